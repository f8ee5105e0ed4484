"""Consent: withdrawal per the deployment's setting, refusals, and each class's consent status."""

from __future__ import annotations

import pytest
from parent_support import answer_notice, link_new_parent, open_letter, print_letters
from sqlalchemy import select

from helpers import csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.families.consent import WITHDRAWN_REASON
from lms_module.families.models import (
    ConsentRecord,
    DataRequest,
    DataRequestKind,
    ParentLink,
)
from lms_module.people.models import ClassDuty, Membership, Role, TeachingAssignment
from lms_module.people.services import user_by_username

NAMES = ("Lò Văn An", "Lò Thị Bình", "Vàng A Chư", "Giàng Thị Dua", "Tẩn Văn Em")


@pytest.fixture
def klass(tree, make_user):
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.tamduong")
    children = [make_user(Role.STUDENT, tree["class"], username=f"hs.{i}", full_name=name)
                for i, name in enumerate(NAMES)]
    return {"manager": manager, "children": children, "class": tree["class"],
            "school": tree["school"]}


def _withdraw(client, child_id):
    token = csrf_token_from(client, f"/children/{child_id}")
    return client.post(f"/children/{child_id}/withdraw-consent",
                       data={"csrf_token": token, "confirmed": "yes"})


def test_withdrawing_unlinks_and_the_parent_sees_the_child_no_more(db, app, klass):
    child = klass["children"][0]
    letters = print_letters(db, klass["class"], klass["manager"])
    client = app.test_client()
    parent = user_by_username(db, link_new_parent(client, letters[child.id].code))
    assert client.get(f"/children/{child.id}").status_code == 200
    token = csrf_token_from(client, f"/children/{child.id}")
    asked = client.post(f"/children/{child.id}/withdraw-consent", data={"csrf_token": token})
    assert "Nhà trường vẫn giữ hồ sơ học tập của em" in asked.get_data(as_text=True)
    assert db.scalars(select(ParentLink)).one().ended_at is None
    assert _withdraw(client, child.id).status_code == 302
    link = db.scalars(select(ParentLink)).one()
    assert link.ended_at is not None and link.ended_reason == WITHDRAWN_REASON
    assert db.scalars(select(ConsentRecord)).one().withdrawn_at is not None
    assert client.get(f"/children/{child.id}").status_code == 403
    assert child.full_name not in client.get("/").get_data(as_text=True)
    assert db.scalars(select(DataRequest)).all() == []
    membership = db.scalars(select(Membership).where(Membership.user_id == parent.id)).one()
    assert not membership.active
    db.refresh(child)
    db.refresh(parent)
    assert child.family_id is None and parent.family_id is None
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "consent_withdrawn")).one()


def test_withdrawing_with_unlink_and_erase_files_an_erasure_with_the_school(
    db, app, make_app, klass
):
    child = klass["children"][0]
    letters = print_letters(db, klass["class"], klass["manager"])
    erasing = make_app(LMS_CONSENT_WITHDRAWAL="unlink-and-erase")
    client = erasing.test_client()
    parent = user_by_username(db, link_new_parent(client, letters[child.id].code))
    assert "yêu cầu xóa dữ liệu" in client.get(f"/children/{child.id}").get_data(as_text=True)
    assert _withdraw(client, child.id).status_code == 302
    request = db.scalars(select(DataRequest)).one()
    assert request.kind is DataRequestKind.ERASE and request.child_user_id == child.id
    assert request.school_id == klass["school"].id and request.requested_by_id == parent.id
    assert request.done_at is None
    assert db.scalars(select(ParentLink)).one().ended_reason == WITHDRAWN_REASON


def test_a_refusal_with_unlink_and_erase_files_an_erasure_too(db, make_app, klass):
    child = klass["children"][1]
    letters = print_letters(db, klass["class"], klass["manager"])
    client = make_app(LMS_CONSENT_WITHDRAWAL="unlink-and-erase").test_client()
    open_letter(client, letters[child.id].code)
    assert answer_notice(client, "refuse").status_code == 200
    request = db.scalars(select(DataRequest)).one()
    assert (request.kind, request.child_user_id, request.requested_by_id) == (
        DataRequestKind.ERASE, child.id, None)


def test_an_unknown_withdrawal_setting_is_refused_not_guessed(db, make_app, klass):
    child = klass["children"][1]
    letters = print_letters(db, klass["class"], klass["manager"])
    client = make_app(LMS_CONSENT_WITHDRAWAL="erase-everything").test_client()
    open_letter(client, letters[child.id].code)
    response = answer_notice(client, "refuse")
    assert response.status_code == 500
    assert "LMS_CONSENT_WITHDRAWAL" in response.get_data(as_text=True)
    assert db.scalars(select(ConsentRecord)).all() == []


def _class_status(client, class_id):
    response = client.get(f"/classes/{class_id}/families")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_class_page_counts_given_refused_withdrawn_and_names_who_has_not_answered(
    db, app, login, klass
):
    an, binh, chu, dua, em = klass["children"]
    letters = print_letters(db, klass["class"], klass["manager"])
    link_new_parent(app.test_client(), letters[an.id].code)
    link_new_parent(app.test_client(), letters[an.id].code, "Lò Văn Tâm")  # second parent
    refusing = app.test_client()
    open_letter(refusing, letters[binh.id].code)
    answer_notice(refusing, "refuse")
    withdrawing = app.test_client()
    link_new_parent(withdrawing, letters[chu.id].code, "Vàng Thị Sua")
    _withdraw(withdrawing, chu.id)
    page = _class_status(login(klass["manager"]), klass["class"].id)
    assert 'id="count-given">1<' in page
    assert 'id="count-refused">1<' in page
    assert 'id="count-withdrawn">1<' in page
    assert 'id="count-not-answered">2<' in page
    not_answered = page[page.index('id="not-answered"'):]
    not_answered = not_answered[:not_answered.index("</ul>")]
    assert dua.full_name in not_answered and em.full_name in not_answered
    assert an.full_name not in not_answered and binh.full_name not in not_answered
    assert "In thư gửi cha mẹ của cả lớp (PDF)" in page
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "view_class_consent")).all()


def test_the_homeroom_teacher_sees_the_status_but_prints_nothing(db, login, make_user, klass):
    teacher = make_user(Role.TEACHER, klass["school"], username="gvcn")
    db.add(TeachingAssignment(user_id=teacher.id, class_unit_id=klass["class"].id,
                              school_year="2026-2027", duty=ClassDuty.HOMEROOM))
    db.flush()
    page = _class_status(login(teacher), klass["class"].id)
    assert 'id="count-not-answered">5<' in page
    assert "In thư gửi cha mẹ của cả lớp (PDF)" not in page


@pytest.mark.parametrize("role", [Role.TEACHER, Role.OFFICE_REVIEWER, Role.ADMIN])
def test_others_do_not_see_a_class_consent_page_and_are_audited(db, login, make_user, klass,
                                                                tree, role):
    unit = tree["school"] if role is Role.TEACHER else tree["province"]
    user = make_user(role, unit, username="khac")
    response = login(user).get(f"/classes/{klass['class'].id}/families")
    assert response.status_code == 403
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "access_denied", AuditEvent.actor_id == user.id)).one()
