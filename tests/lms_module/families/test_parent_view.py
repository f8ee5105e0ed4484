"""What a parent sees: their own children only, each child's progress and certificates, their
own course, and the certificate their own course earns (issued by the child's school)."""

from __future__ import annotations

import datetime as dt

import pytest
from parent_support import link_new_parent, print_letters
from sqlalchemy import select

from courses.content import SAMPLE_COURSE
from helpers import csrf_token_from, make_course, record_certificate
from lms_module.audit.models import AuditEvent
from lms_module.certification.services import issue_certificate
from lms_module.db import utcnow
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Audience, Completion
from lms_module.learning.services import (
    courses_for_user,
    get_course,
    may_take_course,
    record_block_completion,
)
from lms_module.orgs.models import OrgKind
from lms_module.people.models import Role
from lms_module.people.services import user_by_username


@pytest.fixture
def parents(db, app, tree, make_user, make_unit):
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.tamduong")
    other_manager = make_user(Role.SCHOOL_MANAGER, tree["other_school"], username="ql.khac")
    an = make_user(Role.STUDENT, tree["class"], username="hs.an", full_name="Lò Văn An")
    classmate = make_user(Role.STUDENT, tree["class"], username="hs.cuong",
                          full_name="Vàng Văn Cường")
    stranger = make_user(Role.STUDENT, tree["other_class"], username="hs.xa",
                         full_name="Mùa Thị Xa")
    letters = print_letters(db, tree["class"], manager)
    other_letters = print_letters(db, tree["other_class"], other_manager)
    client = app.test_client()
    parent = user_by_username(db, link_new_parent(client, letters[an.id].code))
    other_parent = user_by_username(
        db, link_new_parent(app.test_client(), other_letters[stranger.id].code, "Mùa Văn Lử"))
    return {"client": client, "parent": parent, "an": an, "classmate": classmate,
            "stranger": stranger, "other_parent": other_parent, "school": tree["school"],
            "letters": letters}


def test_a_parents_home_names_their_child_and_no_other(db, parents):
    home = parents["client"].get("/").get_data(as_text=True)
    assert "Lò Văn An" in home
    assert "Vàng Văn Cường" not in home and "Mùa Thị Xa" not in home
    assert "Gọi 111 miễn phí" in home  # the hotline, as on every page


def test_a_parent_opening_another_child_gets_403_and_an_audit_row(db, parents):
    client = parents["client"]
    for child in (parents["classmate"], parents["stranger"]):
        response = client.get(f"/children/{child.id}")
        assert response.status_code == 403
        page = response.get_data(as_text=True)
        assert "chỉ xem được thông tin của con mình" in page and child.full_name not in page
    assert client.get("/children/999999").status_code == 403
    denied = db.scalars(select(AuditEvent).where(
        AuditEvent.action == "access_denied", AuditEvent.actor_id == parents["parent"].id)).all()
    assert len(denied) == 3
    assert {event.detail["endpoint"] for event in denied} == {"lms.families.child"}


def test_a_parent_cannot_withdraw_for_a_child_that_is_not_theirs(db, parents):
    client = parents["client"]
    token = csrf_token_from(client, f"/children/{parents['an'].id}")
    response = client.post(f"/children/{parents['stranger'].id}/withdraw-consent",
                           data={"csrf_token": token, "confirmed": "yes"})
    assert response.status_code == 403


def test_a_parent_sees_the_childs_course_progress(db, parents):
    load_course(db, SAMPLE_COURSE)
    course = get_course(db, "em-an-toan-lop-1-2")
    record_block_completion(db, parents["an"], course,
                            "block-v1:em-an-toan-lop-1-2+type@lesson+block@l1_quy_tac", 1.0)
    record_block_completion(db, parents["an"], course,
                            "block-v1:em-an-toan-lop-1-2+type@html+block@h1_so_111", 1.0)
    db.flush()
    page = parents["client"].get(f"/children/{parents['an'].id}").get_data(as_text=True)
    assert "Em an toàn" in page
    assert "1/4 trang đã xong" in page
    assert "Lớp 2A" in page and "Trường Tiểu học Tam Đường" in page


def test_a_parent_downloads_their_childs_certificate_and_nobody_elses(db, parents):
    course = make_course(db, "em-an-toan-thu", Audience.STUDENT, grades=(1, 2))
    today = dt.date.today()
    mine = record_certificate(db, parents["an"], course, issued=today, expires=None)
    theirs = record_certificate(db, parents["classmate"], course, issued=today, expires=None)
    page = parents["client"].get(f"/children/{parents['an'].id}").get_data(as_text=True)
    assert f"/certificates/{mine.id}.pdf" in page
    response = parents["client"].get(f"/certificates/{mine.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert parents["client"].get(f"/certificates/{theirs.id}.pdf").status_code == 403
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "certificate_downloaded",
        AuditEvent.actor_id == parents["parent"].id)).one().subject_user_id == parents["an"].id


def test_a_linked_parent_is_offered_the_parents_course_and_the_child_is_not(db, parents):
    course = make_course(db, "cung-con-thu", Audience.PARENT)
    assert course in courses_for_user(db, parents["parent"])
    assert may_take_course(db, parents["parent"], course)
    assert not may_take_course(db, parents["an"], course)
    assert "Khóa cung-con-thu" in parents["client"].get("/").get_data(as_text=True)


def test_the_parents_certificate_is_issued_by_the_childs_school(db, parents, make_unit, tree):
    course = make_course(db, "cung-con-thu", Audience.PARENT)
    completion = Completion(user_id=parents["parent"].id,
                            course_version_id=course.current_version_id, score=1.0,
                            completed_at=utcnow())
    db.add(completion)
    db.flush()
    certificate = issue_certificate(db, completion)
    assert certificate is not None
    assert certificate.org_unit_id == parents["school"].id
    assert certificate.holder_is_student is False
    assert certificate.holder_name == parents["parent"].full_name
    assert tree["school"].kind is OrgKind.SCHOOL


def test_the_childs_page_leads_to_the_childs_talk_cards(db, parents):
    page = parents["client"].get(f"/children/{parents['an'].id}").get_data(as_text=True)
    url = f"/children/{parents['an'].id}/talk-cards"
    assert f'href="{url}"' in page
    assert parents["client"].get(url).status_code == 200
