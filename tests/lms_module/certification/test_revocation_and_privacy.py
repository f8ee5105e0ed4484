"""Revoked certificates stop working everywhere; school pages stay private and audited."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import pytest
from certification_support import complete, download_school_zip, zip_names
from pypdf import PdfReader
from sqlalchemy import select

from helpers import SCHOOL_YEAR, csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.certification.services import (
    certificate_pdf,
    reissue_certificate,
    revoke_certificate,
)
from lms_module.people.models import Role
from lms_module.people.services import normalize_text

BASE_URL = "https://hoc.example.edu.vn"


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _local_day(moment: dt.datetime) -> str:
    return f"{moment.astimezone(ZoneInfo('Asia/Ho_Chi_Minh')).date():%d/%m/%Y}"


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# ------------------------------------------------------------------------ revoked PDFs


def test_the_holder_of_a_revoked_certificate_gets_a_page_saying_when_and_why(
    client, db, login, student, student_course, manager
):
    certificate = complete(db, student, student_course)
    revoke_certificate(db, certificate, actor=manager, reason="Cấp nhầm khóa học")
    login(student)
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 410
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert not response.data.startswith(b"%PDF")
    assert f"đã bị thu hồi ngày {_local_day(certificate.revoked_at)}" in page
    assert "Cấp nhầm khóa học" in page
    assert certificate.serial in page


def test_the_holder_of_a_replaced_certificate_is_sent_to_the_new_one(
    client, db, login, student, student_course, manager
):
    old = complete(db, student, student_course)
    new = reissue_certificate(db, old, actor=manager, today=dt.date(2026, 10, 1))
    login(student)
    response = client.get(f"/certificates/{old.id}.pdf")
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert new.serial in page
    assert f"/certificates/{new.id}.pdf" in page
    assert client.get(f"/certificates/{new.id}.pdf").status_code == 200


def test_the_manager_downloads_a_revoked_certificate_only_as_a_stamped_record_copy(
    client, db, login, student, student_course, manager
):
    certificate = complete(db, student, student_course)
    original = certificate_pdf(certificate, base_url=BASE_URL)
    revoke_certificate(db, certificate, actor=manager, reason="Cấp nhầm khóa học")
    login(manager)
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert 'filename="da-thu-hoi_' in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    assert "ĐÃ THU HỒI" in text
    assert _local_day(certificate.revoked_at) in text
    assert "Cấp nhầm khóa học" in text
    assert "không còn giá trị" in text
    assert "Đặng Thị Ưng Ỹ" in text  # the record copy keeps what was certified
    assert response.data != original
    event = _events(db, "certificate_downloaded")[0]
    assert event.actor_id == manager.id and event.detail["revoked"] is True


def test_a_stamped_copy_and_an_unrevoked_certificate_regenerate_byte_identically(
    db, student, teacher, student_course, teacher_course, manager
):
    kept = complete(db, teacher, teacher_course)
    revoked = complete(db, student, student_course)
    kept_pdf = certificate_pdf(kept, base_url=BASE_URL)
    assert "THU HỒI" not in _pdf_text(kept_pdf)
    revoke_certificate(db, revoked, actor=manager, reason="Cấp nhầm")
    stamped = certificate_pdf(revoked, base_url=BASE_URL)
    db.expire_all()  # read the records back, as a later download would
    assert certificate_pdf(kept, base_url=BASE_URL) == kept_pdf
    assert certificate_pdf(revoked, base_url=BASE_URL) == stamped


def test_a_long_revocation_reason_is_shortened_on_the_stamp_not_lost_in_the_record(
    db, student, student_course, manager
):
    certificate = complete(db, student, student_course)
    reason = "Học sinh chuyển trường giữa năm học và đã có xác nhận của phụ huynh. " * 7
    revoke_certificate(db, certificate, actor=manager, reason=reason)
    text = _pdf_text(certificate_pdf(certificate, base_url=BASE_URL))
    assert "ĐÃ THU HỒI" in text and "…" in text
    assert certificate.revoked_reason == normalize_text(reason)


def test_the_school_zip_leaves_revoked_certificates_out_unless_asked_for_them(
    client, db, login, make_user, student_course, manager, tree
):
    kept = complete(db, make_user(Role.STUDENT, tree["class"], full_name="Phạm Thị Thơ"),
                    student_course)
    revoked = complete(db, make_user(Role.STUDENT, tree["class"], full_name="Vũ Văn Ưng"),
                       student_course)
    revoke_certificate(db, revoked, actor=manager, reason="Cấp nhầm")
    login(manager)
    school = tree["school"].id
    everything = zip_names(download_school_zip(client, school))
    assert len(everything) == 1 and "pham-thi-tho" in everything[0]
    assert zip_names(download_school_zip(client, school, {"status": "valid"})) == everything
    data = download_school_zip(client, school, {"status": "revoked"})
    only_revoked = zip_names(data)
    assert len(only_revoked) == 1 and "/da-thu-hoi_" in only_revoked[0]
    assert "ĐÃ THU HỒI" in _pdf_text(zipfile.ZipFile(io.BytesIO(data)).read(only_revoked[0]))
    assert kept.serial.split("/")[0] not in only_revoked[0]


def test_the_export_command_leaves_revoked_certificates_out(
    runner, db, make_user, student_course, manager, tree, tmp_path
):
    complete(db, make_user(Role.STUDENT, tree["class"], full_name="Phạm Thị Thơ"), student_course)
    revoked = complete(db, make_user(Role.STUDENT, tree["class"], full_name="Vũ Văn Ưng"),
                       student_course)
    revoke_certificate(db, revoked, actor=manager, reason="Cấp nhầm")
    output = tmp_path / "tinh.zip"
    result = runner.invoke(
        args=["lms", "export-certificates", "--unit", tree["province"].code,
              "--base-url", BASE_URL, str(output)]
    )
    assert result.exit_code == 0, result.output
    names = zip_names(output.read_bytes())
    assert len(names) == 1 and "pham-thi-tho" in names[0]


# ---------------------------------------------------------------------- verification page


def test_the_verify_page_of_a_revoked_certificate_says_revoked_and_nothing_of_validity(
    client, db, student, student_course, manager
):
    certificate = complete(db, student, student_course)
    revoke_certificate(db, certificate, actor=manager, reason="Phụ huynh Nguyễn Văn A khiếu nại")
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Đã thu hồi" in page
    assert f"đã bị thu hồi ngày {_local_day(certificate.revoked_at)}" in page
    assert "Có giá trị đến" not in page
    assert "còn hiệu lực" not in page.split("<form")[0]
    assert certificate.expires_on.strftime("%d/%m/%Y") not in page
    assert "Đặng T." not in page  # a revoked certificate no longer vouches for its holder
    assert "khiếu nại" not in page
    assert certificate.serial in page


def test_the_verify_page_of_a_replaced_certificate_names_the_reason_category(
    client, db, student, student_course, manager
):
    old = complete(db, student, student_course)
    reissue_certificate(db, old, actor=manager, today=dt.date(2026, 10, 1))
    page = client.get(f"/verify/{old.code}").get_data(as_text=True)
    assert "được thay bằng một giấy chứng nhận cấp lại" in page
    assert "Có giá trị đến" not in page


def test_the_verify_page_of_an_expired_certificate_says_expired_not_valid_until(
    client, db, student, student_course
):
    certificate = complete(db, student, student_course)
    certificate.issued_on = dt.date(2020, 1, 10)
    certificate.expires_on = dt.date(2021, 1, 10)
    db.flush()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Hết hạn ngày 10/01/2021" in page
    assert "Có giá trị đến" not in page


def test_the_verify_page_of_a_valid_certificate_says_until_when(
    client, db, student, student_course
):
    certificate = complete(db, student, student_course)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Có giá trị đến" in page
    assert certificate.expires_on.strftime("%d/%m/%Y") in page


# --------------------------------------------------------------------- revoke redirect


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/",
        "//evil.example/units",
        "/\\evil.example",
        "\\\\evil.example",
        "/units/1/certificates\r\nSet-Cookie: x=1",
        "javascript:alert(1)",
        "units/1/certificates",
    ],
)
def test_revoking_lands_on_the_schools_list_whatever_the_referer_or_next_says(
    client, db, login, student, student_course, manager, tree, hostile
):
    certificate = complete(db, student, student_course)
    login(manager)
    url = f"/units/{tree['school'].id}/certificates"
    token = csrf_token_from(client, url)
    response = client.post(
        f"{url}/{certificate.id}/revoke",
        data={"reason": "Cấp nhầm", "csrf_token": token, "next": hostile},
        headers={"Referer": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    db.refresh(certificate)
    assert certificate.revoked


def test_revoking_returns_to_the_filtered_list_it_was_done_from(
    client, db, login, student, student_course, manager, tree
):
    certificate = complete(db, student, student_course)
    login(manager)
    url = f"/units/{tree['school'].id}/certificates"
    page = client.get(url, query_string={"class": tree["class"].id}).get_data(as_text=True)
    assert f'name="next" value="{url}?class={tree["class"].id}"' in page
    token = csrf_token_from(client, url)
    back = f"{url}?class={tree['class'].id}"
    response = client.post(
        f"{url}/{certificate.id}/revoke",
        data={"reason": "Cấp nhầm", "csrf_token": token, "next": back},
        headers={"Referer": "https://evil.example/"},
    )
    assert response.headers["Location"] == back


# ------------------------------------------------------------------------ school list input


def test_the_school_list_ignores_unknown_and_hostile_query_parameters(
    client, db, login, student, student_course, manager, tree
):
    certificate = complete(db, student, student_course)
    login(manager)
    url = f"/units/{tree['school'].id}/certificates"
    for query in (
        {"unit_id": "1", "_method": "POST"},
        {"_external": "1", "_scheme": "javascript", "_anchor": "x"},
        {"course": "9" * 30, "class": "-1", "status": "nonsense"},
    ):
        response = client.get(url, query_string=query)
        assert response.status_code == 200, query
        page = response.get_data(as_text=True)
        assert certificate.serial in page
        assert f'action="{url}.zip"' in page  # the download button keeps no unknown parameter
        assert f'name="next" value="{url}"' in page
    filtered = client.get(
        url, query_string={"class": tree["class"].id, "status": "valid", "unit_id": "1"}
    ).get_data(as_text=True)
    assert (
        f'action="{url}.zip?class={tree["class"].id}&amp;status=valid"' in filtered
    )


# ------------------------------------------------------------------------------ audit rows


def test_viewing_the_school_list_is_audited_with_who_where_and_the_filters(
    client, db, login, student, student_course, manager, tree
):
    complete(db, student, student_course)
    login(manager)
    client.get(
        f"/units/{tree['school'].id}/certificates",
        query_string={"class": tree["class"].id, "status": "valid"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    (event,) = _events(db, "certificates_listed")
    assert event.actor_id == manager.id
    assert event.org_unit_id == tree["school"].id
    assert event.ip == "10.1.2.3"
    assert event.detail == {
        "class_id": tree["class"].id, "course_id": None, "status": "valid", "shown": 1,
    }


def test_a_revocation_is_audited_with_its_reason(
    client, db, login, student, student_course, manager, tree
):
    certificate = complete(db, student, student_course)
    login(manager)
    url = f"/units/{tree['school'].id}/certificates"
    token = csrf_token_from(client, url)
    client.post(
        f"{url}/{certificate.id}/revoke", data={"reason": "Cấp nhầm", "csrf_token": token},
        environ_base={"REMOTE_ADDR": "10.1.2.4"},
    )
    (event,) = _events(db, "certificate_revoked")
    assert event.actor_id == manager.id and event.subject_user_id == student.id
    assert event.ip == "10.1.2.4"
    assert event.detail["reason"] == "Cấp nhầm"
    assert event.detail["serial"] == certificate.serial


def test_a_bulk_zip_download_is_audited_with_its_filters(
    client, db, login, student, student_course, manager, tree
):
    complete(db, student, student_course)
    login(manager)
    download_school_zip(
        client, tree["school"].id, {"class": tree["class"].id, "status": "revoked"},
        environ_base={"REMOTE_ADDR": "10.1.2.5"},
    )
    (event,) = _events(db, "certificates_downloaded")
    assert event.actor_id == manager.id and event.org_unit_id == tree["school"].id
    assert event.ip == "10.1.2.5"
    assert event.detail == {"class_id": tree["class"].id, "course_id": None, "status": "revoked"}


def test_viewing_the_in_service_page_is_audited(client, db, login, teacher, manager, tree):
    login(manager)
    client.get(f"/units/{tree['school'].id}/in-service")
    (event,) = _events(db, "in_service_viewed")
    assert event.actor_id == manager.id and event.org_unit_id == tree["school"].id
    assert event.detail == {"school_year": SCHOOL_YEAR}


# ---------------------------------------------------------------------------- no caching


def test_no_page_or_file_with_names_may_be_stored_by_a_cache(
    client, db, login, student, teacher, student_course, teacher_course, manager, tree
):
    revoked = complete(db, student, student_course)
    kept = complete(db, teacher, teacher_course)
    revoke_certificate(db, revoked, actor=manager, reason="Cấp nhầm")
    school = tree["school"].id
    login(manager)
    for path in (
        f"/units/{school}/certificates",
        f"/units/{school}/certificates.zip",
        f"/units/{school}/training-status",
        f"/units/{school}/in-service",
        f"/units/{school}/in-service.xlsx",
        f"/certificates/{kept.id}.pdf",
        f"/certificates/{revoked.id}.pdf",
        "/certificates",
        f"/verify/{kept.code}",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response.headers.get("Cache-Control", ""), path
        response.close()
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/certificates")})
    login(student)
    refused = client.get(f"/certificates/{revoked.id}.pdf")
    assert refused.status_code == 410
    assert "no-store" in refused.headers["Cache-Control"]


def test_the_revoke_form_states_the_consequence_without_javascript(
    client, db, login, student, student_course, manager, tree
):
    """The dialog text is also printed inside the form, so a phone without scripts reads it."""
    certificate = complete(db, student, student_course)
    login(manager)
    page = client.get(f"/units/{tree['school'].id}/certificates").get_data(as_text=True)
    form = page[page.index(f"/certificates/{certificate.id}/revoke"):]
    form = form[: form.index("</form>")]
    consequence = "giấy không còn hiệu lực, trang kiểm tra sẽ báo đã thu hồi"
    assert consequence in form.split(">", 1)[0]  # the data-confirm attribute
    assert consequence in form.split(">", 1)[1]  # and the visible text
    assert "Không hoàn tác được." in form.split(">", 1)[1]
