"""Requests about a child's data: the parent asks for erasure, the school's managers see
every request with the days left, register paper ones, carry them out or refuse them."""

from __future__ import annotations

import datetime as dt

import pytest
from data_rights_support import build_family, erasure_request
from sqlalchemy import select

from helpers import CSRF_PATTERN
from lms_module.audit.models import AuditEvent
from lms_module.families.data_rights import ERASED_NAME, is_erased
from lms_module.families.models import DataRequest, DataRequestKind
from lms_module.i18n import local_today
from lms_module.orgs.models import OrgKind


@pytest.fixture
def family(db, tree, make_user, tmp_path):
    return build_family(db, tree, make_user, tmp_path / "course")


def token(client, path):
    match = CSRF_PATTERN.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def requests_of(db, child):
    return db.scalars(select(DataRequest).where(DataRequest.child_user_id == child.id)
                      .order_by(DataRequest.id)).all()


def test_the_parent_confirms_then_the_request_is_filed_and_audited(db, client, login, family):
    login(family.mother)
    csrf = token(client, f"/children/{family.child.id}/data")
    url = f"/children/{family.child.id}/erasure-request"
    asked = client.post(url, data={"csrf_token": csrf})
    assert asked.status_code == 200
    assert "không khôi phục được" in asked.get_data(as_text=True)
    assert requests_of(db, family.child) == []
    done = client.post(url, data={"csrf_token": csrf, "confirmed": "yes"})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/children/{family.child.id}/data")
    request = requests_of(db, family.child)[0]
    assert (request.kind, request.school_id, request.requested_by_id) == (
        DataRequestKind.ERASE, family.school.id, family.mother.id)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "data_request_filed")).one()
    assert event.subject_user_id == family.child.id and event.detail["on_paper"] is False
    page = client.get(f"/children/{family.child.id}/data").get_data(as_text=True)
    assert "đang chờ nhà trường xử lý" in page
    # Asking again files nothing new.
    client.post(url, data={"csrf_token": csrf, "confirmed": "yes"})
    assert len(requests_of(db, family.child)) == 1


def test_a_request_without_the_csrf_token_is_refused(db, client, login, family):
    login(family.mother)
    response = client.post(f"/children/{family.child.id}/erasure-request",
                           data={"confirmed": "yes"})
    assert response.status_code == 400
    assert requests_of(db, family.child) == []


def test_a_parent_cannot_request_for_another_child(db, client, login, family):
    login(family.other_mother)
    csrf = token(client, f"/children/{family.other_child.id}/data")
    response = client.post(f"/children/{family.child.id}/erasure-request",
                           data={"csrf_token": csrf, "confirmed": "yes"})
    assert response.status_code == 403
    assert requests_of(db, family.child) == []


def test_the_managers_page_lists_a_withdrawn_consent_request_with_the_days_left(
    db, client, login, family
):
    request = erasure_request(db, family)  # as withdrawing consent files it
    login(family.manager)
    response = client.get(f"/units/{family.school.id}/data-requests")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Lò Thị Hoa" in page and "Rút lại sự đồng ý" in page and "Tòng Thị Mai" in page
    deadline = local_today_of(client) + dt.timedelta(days=15)
    assert f"còn 15 ngày (đến {deadline:%d/%m/%Y})" in page
    assert f"/data-requests/{request.id}/carry-out" in page
    assert "Vàng A Bình" not in page  # only children with a request


def local_today_of(client):
    with client.application.test_request_context("/"):
        return local_today()


def test_an_old_request_shows_as_overdue(db, client, login, family):
    request = erasure_request(db, family)
    request.requested_at = request.requested_at - dt.timedelta(days=18)
    db.flush()
    login(family.manager)
    page = client.get(f"/units/{family.school.id}/data-requests").get_data(as_text=True)
    assert "quá hạn 3 ngày" in page


def test_the_manager_carries_out_an_erasure_after_confirming(db, client, login, family):
    request = erasure_request(db, family)
    login(family.manager)
    url = f"/units/{family.school.id}/data-requests/{request.id}/carry-out"
    csrf = token(client, f"/units/{family.school.id}/data-requests")
    asked = client.post(url, data={"csrf_token": csrf})
    assert asked.status_code == 200 and "Không hoàn tác được" in asked.get_data(as_text=True)
    assert not is_erased(family.child)
    done = client.post(url, data={"csrf_token": csrf, "confirmed": "yes"})
    assert done.status_code == 302
    db.expire_all()
    assert is_erased(family.child) and request.outcome == "done"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Đã xóa dữ liệu của em Lò Thị Hoa" in page
    assert "Không có yêu cầu nào đang chờ." in page and ERASED_NAME in page  # handled list
    # The erased child's data can still be exported by the school: nothing personal left.
    assert client.get(f"/children/{family.child.id}/data.zip").status_code == 200
    again = client.post(url, data={"csrf_token": csrf, "confirmed": "yes"})
    assert again.status_code == 400 and "đã được xử lý" in again.get_data(as_text=True)


def test_the_manager_refuses_with_a_reason_the_parent_reads(db, client, login, family):
    request = erasure_request(db, family)
    login(family.manager)
    csrf = token(client, f"/units/{family.school.id}/data-requests")
    url = f"/units/{family.school.id}/data-requests/{request.id}/refuse"
    empty = client.post(url, data={"csrf_token": csrf, "reason": "  "})
    assert empty.status_code == 400 and "Hãy ghi lý do từ chối" in empty.get_data(as_text=True)
    assert request.done_at is None
    refused = client.post(url, data={"csrf_token": csrf,
                                     "reason": "Cần xác minh người gửi là cha mẹ của em"})
    assert refused.status_code == 302
    db.expire_all()
    assert request.outcome == "refused" and not is_erased(family.child)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "data_request_refused")).one()
    assert event.detail["reason"] == "Cần xác minh người gửi là cha mẹ của em"
    client.post("/logout", data={"csrf_token": token(client, "/")})
    login(family.mother)
    page = client.get(f"/children/{family.child.id}/data").get_data(as_text=True)
    assert "nhà trường đã từ chối" in page and "Cần xác minh người gửi" in page


def test_the_manager_registers_a_request_received_on_paper(db, client, login, family):
    login(family.manager)
    path = f"/units/{family.school.id}/data-requests"
    csrf = token(client, path)
    received = local_today_of(client) - dt.timedelta(days=4)
    response = client.post(path, data={
        "csrf_token": csrf, "student": "hs-hoa-01", "kind": "export",
        "received_on": f"{received:%d/%m/%Y}", "note": "Đơn nộp tại văn phòng",
    })
    assert response.status_code == 302
    request = requests_of(db, family.child)[0]
    assert request.kind is DataRequestKind.EXPORT and request.requested_by_id == family.manager.id
    page = client.get(path).get_data(as_text=True)
    assert "còn 11 ngày" in page and f"/children/{family.child.id}/data.zip" in page
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "data_request_filed")).one()
    assert event.detail["on_paper"] is True
    done = client.post(f"{path}/{request.id}/carry-out", data={"csrf_token": csrf})
    assert done.status_code == 302
    db.expire_all()
    assert request.outcome == "done" and not is_erased(family.child)


@pytest.mark.parametrize(("fields", "message"), [
    ({"student": "KHONG-CO"}, "Không tìm thấy học sinh có mã định danh"),
    ({"student": ""}, "Hãy nhập mã định danh"),
    ({"student": "hs.hoa", "received_on": "31/02/2026"}, "Hãy ghi ngày như"),
    ({"student": "hs.hoa", "received_on": "01/01/2099"}, "không thể sau hôm nay"),
    ({"student": "hs.hoa", "kind": "delete-all"}, "Hãy chọn xóa hoặc xuất"),
])
def test_a_wrong_paper_request_gets_a_clear_message(db, client, login, family, fields, message):
    login(family.manager)
    path = f"/units/{family.school.id}/data-requests"
    data = {"csrf_token": token(client, path), "kind": "erase", **fields}
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert requests_of(db, family.child) == []


def test_a_child_of_another_school_cannot_be_registered(db, client, login, family, make_user,
                                                        tree):
    from lms_module.people.models import Role

    make_user(Role.STUDENT, tree["other_class"], username="hs.xa", student_code="HS-XA-9")
    login(family.manager)
    path = f"/units/{family.school.id}/data-requests"
    response = client.post(path, data={"csrf_token": token(client, path), "student": "HS-XA-9",
                                       "kind": "erase"})
    assert response.status_code == 400
    assert "Không tìm thấy học sinh" in response.get_data(as_text=True)


def test_another_schools_manager_and_an_admin_are_refused(db, client, login, family):
    request = erasure_request(db, family)
    for who in (family.other_manager, family.admin):
        login(who)
        assert client.get(f"/units/{family.school.id}/data-requests").status_code == 403
        csrf = token(client, "/")
        response = client.post(
            f"/units/{family.school.id}/data-requests/{request.id}/carry-out",
            data={"csrf_token": csrf, "confirmed": "yes"})
        assert response.status_code == 403
        client.post("/logout", data={"csrf_token": csrf})
    assert not is_erased(family.child)


def test_a_request_of_another_school_or_a_class_page_gets_a_clear_404(
    db, client, login, family, make_unit, tree
):
    request = erasure_request(db, family)
    login(family.manager)
    response = client.get(f"/units/{tree['class'].id}/data-requests")
    assert response.status_code == 404
    assert "trang của trường" in response.get_data(as_text=True)
    second = make_unit(OrgKind.SCHOOL, tree["commune"], name="Trường thứ hai")
    request.school_id = second.id
    db.flush()
    csrf = token(client, f"/units/{family.school.id}/data-requests")
    for action in ("carry-out", "refuse"):
        response = client.post(
            f"/units/{family.school.id}/data-requests/{request.id}/{action}",
            data={"csrf_token": csrf, "confirmed": "yes", "reason": "x"})
        assert response.status_code == 404
        assert "Không tìm thấy yêu cầu này" in response.get_data(as_text=True)
