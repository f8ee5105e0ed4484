"""The demo's sign-ins (README, "Tài khoản demo") are left as the demo prints them: first visits
beside finished learners, a manager for every school whose students are listed, an untouched
teacher in the in-service export; and the abolished district holds no school this year.

The demo is built once for the module (it loads every course) inside a transaction that is
rolled back at the end, as the ``db`` fixture does for one test.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers import rolled_back_session, sign_in
from lms_module.certification.models import Certificate
from lms_module.db import subtree_condition
from lms_module.demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD
from lms_module.learning.models import (
    Attempt,
    BlockCompletion,
    Completion,
    LearnerFieldValue,
    LearnerPosition,
)
from lms_module.notifications.models import NoticeKind, Notification
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import ClassDuty, Membership, Role, TeachingAssignment, User
from lms_module.people.services import user_by_username

NOT_STARTED = ("gv1.thtp", "nv.thtp", "hs.thtp.2", "hs.lcshptdtbt.7")
FINISHED = ("gv2.thtp", "ql.thtp", "hs.thtp.4", "hs.thptlc.11")


@dataclass
class Demo:
    session: Session
    lines: dict[str, str]
    """Each printed sign-in's line, by username."""

    def user(self, username: str) -> User:
        user = user_by_username(self.session, username)
        assert user is not None, username
        return user


@pytest.fixture(scope="module")
def demo(app: Flask) -> Iterator[Demo]:
    with rolled_back_session(app) as session:
        result = app.test_cli_runner().invoke(args=["lms", "demo"])
        assert result.exit_code == 0, result.output
        lines = {
            account.username: line
            for line in result.output.splitlines()
            for account in DEMO_ACCOUNTS
            if f" {account.username} " in f" {line} "
        }
        yield Demo(session, lines)


def _learning_rows(session: Session, user: User) -> int:
    """Every trace of learning the user left: progress, answers, completions, certificates."""
    return sum(
        session.scalar(select(func.count()).select_from(table).where(table.user_id == user.id))
        or 0
        for table in (BlockCompletion, Attempt, LearnerPosition, LearnerFieldValue, Completion,
                      Certificate)
    )


def test_the_abolished_district_holds_no_school_in_the_current_school_year(demo):
    db = demo.session
    district = db.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.LEGACY_DISTRICT)).one()
    below = db.scalars(select(OrgUnit).where(subtree_condition(OrgUnit.path, district.path),
                                             OrgUnit.id != district.id)).all()
    assert [unit.name for unit in below if unit.kind in (OrgKind.SCHOOL, OrgKind.CLASS)] == []
    members = db.scalar(select(func.count()).select_from(Membership).join(OrgUnit).where(
        subtree_condition(OrgUnit.path, district.path), Membership.active.is_(True)))
    assert members == 0
    moved = db.scalars(select(OrgUnit).where(OrgUnit.code == "DEMO-TH-BL")).one()
    assert moved.parent is not None and moved.parent.name == "Xã Tam Đường"


def test_every_demo_sign_in_is_printed_and_signs_in(demo, app):
    assert set(demo.lines) == {account.username for account in DEMO_ACCOUNTS}
    for username in demo.lines:
        assert sign_in(app.test_client(), username, DEMO_PASSWORD).status_code == 302, username
    assert "Trường PTDTBT Tiểu học và THCS Sìn Hồ" in demo.lines["hs.lcshptdtbt.7"]


def test_a_student_and_adults_have_not_started_and_others_have_finished(demo):
    for username in NOT_STARTED:
        assert "(chưa bắt đầu)" in demo.lines[username]
        assert _learning_rows(demo.session, demo.user(username)) == 0, username
    for username in FINISHED:
        assert "(đã hoàn thành)" in demo.lines[username]
        assert demo.session.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.user_id == demo.user(username).id, Certificate.revoked_at.is_(None)))
    roles = {m.role for name in NOT_STARTED for m in demo.user(name).memberships}
    assert {Role.STUDENT, Role.TEACHER, Role.STAFF} <= roles


def test_the_manager_of_every_school_whose_students_are_listed_is_listed(demo):
    for username in demo.lines:
        for membership in demo.user(username).memberships:
            if membership.role is not Role.STUDENT:
                continue
            school = membership.org_unit.parent
            assert school is not None
            managers = demo.session.scalars(select(User.username).join(Membership).where(
                Membership.org_unit_id == school.id, Membership.role == Role.SCHOOL_MANAGER,
                Membership.active.is_(True))).all()
            assert set(managers) & set(demo.lines), f"no manager of {school.name} is listed"


def test_the_untouched_teacher_is_in_the_in_service_export_with_no_periods(demo, app):
    from openpyxl import load_workbook

    untouched, finished = demo.user("gv1.thtp"), demo.user("gv2.thtp")
    school = demo.session.scalars(select(OrgUnit).where(OrgUnit.code == "DEMO-TH-TP")).one()
    client = app.test_client()
    assert sign_in(client, "ql.thtp", DEMO_PASSWORD).status_code == 302
    response = client.get(f"/units/{school.id}/in-service.xlsx")
    assert response.status_code == 200
    rows = {row[1]: row for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(
        values_only=True) if len(row) > 6}
    assert rows[untouched.full_name][4:7] == (0, 120, 120)  # periods, required, still needed
    assert rows[finished.full_name][4] > 0


def test_the_untouched_teacher_is_homeroom_teacher_of_the_grade_2_students_class(demo):
    duty = demo.session.scalars(select(TeachingAssignment).where(
        TeachingAssignment.user_id == demo.user("gv1.thtp").id)).one()
    assert duty.duty is ClassDuty.HOMEROOM and duty.class_unit.name == "2A"
    assert any(m.org_unit_id == duty.class_unit_id and m.active
               for m in demo.user("hs.thtp.2").memberships)


def test_the_staff_member_is_told_of_the_overdue_course_and_the_manager_sees_the_to_do(
    demo, app
):
    staff, manager = demo.user("nv.thtp"), demo.user("ql.thtp")
    told = demo.session.scalars(select(Notification).where(
        Notification.user_id.in_((staff.id, manager.id))
    )).all()
    assert sorted((n.user_id, n.kind) for n in told) == sorted([
        (staff.id, NoticeKind.OVERDUE), (manager.id, NoticeKind.ESCALATION_MANAGER),
    ])
    home = app.test_client()
    sign_in(home, "ql.thtp", DEMO_PASSWORD)
    page = home.get("/").get_data(as_text=True)
    assert "Việc cần xử lý" in page and staff.full_name in page
    # The demo's second run (scripts/demo on each start) tells nobody again.
    again = app.test_cli_runner().invoke(args=["lms", "demo"])
    assert again.exit_code == 0, again.output
    assert demo.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id.in_((staff.id, manager.id)))) == 2
