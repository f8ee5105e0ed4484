"""A school manager gives a class its homeroom and subject teachers on the class page, without
a roster file; only teachers of the school can be chosen."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from teaching import build_school

from helpers import csrf_token_from, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.people.models import ClassDuty, TeachingAssignment


@pytest.fixture
def school(db):
    return build_school(db)


def form_token(client, class_id: int) -> str:
    page = client.get(f"/classes/{class_id}").get_data(as_text=True)
    match = re.search(r'action="/classes/\d+/teachers">\s*<input id="csrf_token" name="csrf_token"'
                      r' type="hidden" value="([^"]+)"', page)
    assert match, "the class page has no teachers form"
    return match.group(1)


def duties_of(db, class_unit) -> set[tuple[str, ClassDuty]]:
    return {(a.user.full_name, a.duty) for a in db.scalars(
        select(TeachingAssignment).where(TeachingAssignment.class_unit_id == class_unit.id))}


def test_the_manager_changes_the_homeroom_teacher_and_the_old_one_loses_the_class(
    school, login, db
):
    client = login(school.people["mo"])
    class_2a = school.units["2A"]
    response = client.post(f"/classes/{class_2a.id}/teachers", data={
        "csrf_token": form_token(client, class_2a.id),
        "homeroom": str(school.people["lam"].id),
        "subject": [str(school.people["khai"].id), str(school.people["hanh"].id)],
    })
    assert response.status_code == 302
    assert duties_of(db, class_2a) == {
        ("Phạm Văn Lâm", ClassDuty.HOMEROOM), ("Lê Văn Khải", ClassDuty.SUBJECT),
        ("Nguyễn Thị Hạnh", ClassDuty.SUBJECT)}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu giáo viên của lớp 2A." in page
    assert "Giáo viên chủ nhiệm: Phạm Văn Lâm" in page
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "class_teachers_set")).one()
    assert event.detail["homeroom_id"] == school.people["lam"].id
    lam = client.application.test_client()
    assert sign_in(lam, school.people["lam"].username).status_code == 302
    assert lam.get(f"/classes/{class_2a.id}").status_code == 200


def test_removing_every_teacher_closes_the_class_to_them(school, login, db):
    client = login(school.people["mo"])
    class_2a = school.units["2A"]
    response = client.post(f"/classes/{class_2a.id}/teachers", data={
        "csrf_token": form_token(client, class_2a.id), "homeroom": "0"})
    assert response.status_code == 302
    assert duties_of(db, class_2a) == set()
    hanh = client.application.test_client()
    assert sign_in(hanh, school.people["hanh"].username).status_code == 302
    assert hanh.get(f"/classes/{class_2a.id}").status_code == 403


@pytest.mark.parametrize("field", ["homeroom", "subject"])
def test_a_teacher_of_another_school_cannot_be_chosen(school, login, db, field):
    client = login(school.people["mo"])
    class_2a = school.units["2A"]
    before = duties_of(db, class_2a)
    response = client.post(f"/classes/{class_2a.id}/teachers", data={
        "csrf_token": form_token(client, class_2a.id), "homeroom": "0",
        field: str(school.people["oanh"].id)})
    assert response.status_code == 400
    assert "hãy chọn giáo viên trong danh sách của trường" in response.get_data(as_text=True)
    assert duties_of(db, class_2a) == before


def test_a_teacher_cannot_change_the_teachers_of_their_class(school, login, db):
    client = login(school.people["hanh"])
    page = client.get(f"/classes/{school.units['2A'].id}").get_data(as_text=True)
    assert "Đổi giáo viên của lớp" not in page
    token = csrf_token_from(client, "/")  # the sign-out form's: a valid token of the session
    response = client.post(f"/classes/{school.units['2A'].id}/teachers", data={
        "csrf_token": token, "homeroom": str(school.people["hanh"].id)})
    assert response.status_code == 403
