"""A course assigned "N days after joining" or "N days after the school year starts" is due on
each person's own date, the same on the training-status page and the learner's home; the
assignment page checks who may assign where and answers bad input in Vietnamese."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpers import SCHOOL_YEAR, csrf_token_from, make_course, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.learning.models import Audience
from lms_module.obligations.models import Assignment, DueKind
from lms_module.obligations.query import obligations
from lms_module.orgs.models import OrgKind
from lms_module.people.models import Role
from lms_module.school_years.rollover import copy_dated_assignments
from lms_module.school_years.year import SchoolYear

TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _vn(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def school(db, tree, make_user):
    """A teachers' course; Hà joined ten days ago, Minh is recorded today (no start date)."""
    course = make_course(db, "gv-moi", Audience.TEACHER)
    staff_course = make_course(db, "nv-moi", Audience.STAFF)
    student_course = make_course(db, "hs-12", Audience.STUDENT, grades=(1, 2))
    ha = make_user(Role.TEACHER, tree["school"], full_name="Lê Thu Hà")
    ha.memberships[0].started_on = TODAY - dt.timedelta(days=10)
    minh = make_user(Role.TEACHER, tree["school"], full_name="Phạm Văn Minh")
    lan = make_user(Role.STAFF, tree["school"], full_name="Đỗ Thị Lan")
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"], full_name="Hoàng Văn Nam")
    db.flush()
    return {"course": course, "staff_course": staff_course, "student_course": student_course,
            "ha": ha, "minh": minh, "lan": lan, "manager": manager}


def _assign(client, unit_id, **fields):
    page = f"/units/{unit_id}/assignments"
    data = {"csrf_token": csrf_token_from(client, page), "role": "teacher",
            "due_kind": "fixed", "due_on": "", "due_days": "", "grade_min": "", "grade_max": ""}
    data.update(fields)
    return client.post(page, data=data)


def _due(db, tree, user):
    return {o.user_id: o.due_on for o in obligations(
        db, school_year=SCHOOL_YEAR, today=TODAY, within=tree["school"])}.get(user.id)


def test_a_course_due_after_joining_is_due_on_each_persons_own_date(
    client, db, tree, login, school
):
    login(school["manager"])
    response = _assign(client, tree["school"].id, what=f"course:{school['course'].id}",
                       due_kind="after_joining", due_days="30")
    assert response.status_code == 302
    assignment = db.scalars(select(Assignment)).one()
    assert (assignment.due_kind, assignment.due_days, assignment.due_on) == (
        DueKind.AFTER_JOINING, 30, None)

    assert _due(db, tree, school["ha"]) == TODAY + dt.timedelta(days=20)
    assert _due(db, tree, school["minh"]) == TODAY + dt.timedelta(days=30)
    page = client.get(f"/units/{tree['school'].id}/training-status").get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, flags=re.S)
    [row_ha] = [r for r in rows if "Lê Thu Hà" in r]
    [row_minh] = [r for r in rows if "Phạm Văn Minh" in r]
    assert _vn(TODAY + dt.timedelta(days=20)) in row_ha
    assert _vn(TODAY + dt.timedelta(days=30)) in row_minh
    listing = client.get(f"/units/{tree['school'].id}/assignments").get_data(as_text=True)
    assert "30 ngày sau khi vào trường" in listing
    client.get("/logout")
    sign_in(client, school["ha"].username)
    home = client.get("/").get_data(as_text=True)
    assert _vn(TODAY + dt.timedelta(days=20)) in home


def test_a_course_due_after_the_year_starts_and_the_earliest_deadline_wins(
    client, db, tree, login, school
):
    login(school["manager"])
    assert _assign(client, tree["school"].id, what=f"course:{school['staff_course'].id}",
                   role="staff", due_kind="after_year_start", due_days="45").status_code == 302
    first_day = SchoolYear.parse(SCHOOL_YEAR).first_day
    assert _due(db, tree, school["lan"]) == first_day + dt.timedelta(days=45)
    later = TODAY + dt.timedelta(days=400)
    assert _assign(client, tree["school"].id, what=f"course:{school['staff_course'].id}",
                   role="staff", due_on=_vn(later)).status_code == 302
    assert _due(db, tree, school["lan"]) == min(first_day + dt.timedelta(days=45), later)
    client.get("/logout")
    sign_in(client, school["lan"].username)
    assert _vn(first_day + dt.timedelta(days=45)) in client.get("/").get_data(as_text=True)


def test_deactivating_an_assignment_ends_the_obligation(client, db, tree, login, school):
    login(school["manager"])
    _assign(client, tree["school"].id, what=f"course:{school['course'].id}",
            due_kind="after_joining", due_days="30")
    assignment = db.scalars(select(Assignment)).one()
    token = csrf_token_from(client, f"/units/{tree['school'].id}/assignments")
    response = client.post(
        f"/units/{tree['school'].id}/assignments/{assignment.id}/deactivate",
        data={"csrf_token": token})
    assert response.status_code == 302
    db.refresh(assignment)
    assert not assignment.active
    assert _due(db, tree, school["ha"]) is None
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "assignment_deactivated")).one()


def test_the_year_rollover_keeps_relative_assignments_and_moves_fixed_ones(db, tree, school):
    fixed = Assignment(course_id=school["course"].id, org_unit_id=tree["school"].id,
                       role=Role.TEACHER, due_on=SchoolYear.parse(SCHOOL_YEAR).first_day
                       + dt.timedelta(days=60))
    relative = Assignment(course_id=school["course"].id, org_unit_id=tree["school"].id,
                          role=Role.TEACHER, due_kind=DueKind.AFTER_JOINING, due_days=30)
    db.add_all([fixed, relative])
    db.flush()
    assert copy_dated_assignments(db, SchoolYear.parse(SCHOOL_YEAR)) == 1
    active = db.scalars(select(Assignment).where(Assignment.active.is_(True))
                        .order_by(Assignment.id)).all()
    assert [(a.due_kind, a.due_days) for a in active] == [
        (DueKind.AFTER_JOINING, 30), (DueKind.FIXED, None)]
    assert active[1].due_on == fixed.due_on.replace(year=fixed.due_on.year + 1)


@pytest.mark.parametrize(("fields", "message"), [
    ({"due_kind": "after_joining", "due_days": "ba mươi"}, "Hãy nhập số ngày"),
    ({"due_kind": "after_joining", "due_days": "0"}, "Hãy nhập số ngày"),
    ({"due_kind": "after_year_start", "due_days": "9999"}, "Số ngày phải từ 1 đến 366"),
    ({"due_on": "2026-10-31"}, "Hạn hoàn thành phải có dạng ngày/tháng/năm"),
    ({"due_on": "01/01/2001"}, "Hạn hoàn thành đã qua"),
    ({"due_kind": "monthly", "due_days": "3"}, "Hãy chọn đối tượng và loại hạn"),
    ({"role": "admin", "due_kind": "after_joining", "due_days": "3"}, "Hãy chọn đối tượng"),
    ({"what": "course:abc"}, "Hãy chọn khóa học hoặc yêu cầu"),
    ({"what": "student_course", "due_kind": "after_joining", "due_days": "3"},
     "Khóa học này không dành cho đối tượng đã chọn"),
    ({"what": "student_course", "role": "student", "grade_min": "9", "grade_max": "3",
      "due_kind": "after_joining", "due_days": "3"}, "khối đầu không lớn hơn khối cuối"),
    ({"what": "student_course", "role": "student", "grade_min": "13",
      "due_kind": "after_joining", "due_days": "3"}, "Khối lớp phải là một số từ 1 đến 12"),
])
def test_bad_input_is_refused_in_vietnamese(client, db, tree, login, school, fields, message):
    login(school["manager"])
    fields = dict(fields)
    if fields.get("what") == "student_course":
        fields["what"] = f"course:{school['student_course'].id}"
    fields.setdefault("what", f"course:{school['course'].id}")

    response = _assign(client, tree["school"].id, **fields)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.scalars(select(Assignment)).all() == []


def test_who_may_assign_where(client, db, tree, login, make_user, make_unit, school):
    other_school = make_unit(OrgKind.SCHOOL, tree["commune"], name="Trường khác")
    login(school["manager"])
    assert client.get(f"/units/{other_school.id}/assignments").status_code == 403
    assert client.get(f"/units/{tree['commune'].id}/assignments").status_code == 403
    assert client.get(f"/units/{tree['class'].id}/assignments").status_code == 404
    client.get("/logout")
    login(school["ha"])
    assert client.get(f"/units/{tree['school'].id}/assignments").status_code == 403
    token = csrf_token_from(client, "/")
    assert client.post(f"/units/{tree['school'].id}/assignments",
                       data={"csrf_token": token, "what": f"course:{school['course'].id}",
                             "role": "teacher", "due_kind": "after_joining",
                             "due_days": "3"}).status_code == 403
    client.get("/logout")
    login(make_user(Role.OFFICE_REVIEWER, tree["province"]))
    response = _assign(client, tree["commune"].id, what=f"course:{school['course'].id}",
                       due_kind="after_joining", due_days="15")
    assert response.status_code == 302
    assert db.scalars(select(Assignment)).one().org_unit_id == tree["commune"].id
    assert _due(db, tree, school["minh"]) == TODAY + dt.timedelta(days=15)


def test_a_school_manager_cannot_stop_an_assignment_of_the_office(
    client, db, tree, login, school
):
    office = Assignment(course_id=school["course"].id, org_unit_id=tree["commune"].id,
                        role=Role.TEACHER, due_kind=DueKind.AFTER_JOINING, due_days=30)
    db.add(office)
    db.flush()
    login(school["manager"])
    token = csrf_token_from(client, f"/units/{tree['school'].id}/assignments")
    response = client.post(f"/units/{tree['school'].id}/assignments/{office.id}/deactivate",
                           data={"csrf_token": token})
    assert response.status_code == 404
    db.refresh(office)
    assert office.active
