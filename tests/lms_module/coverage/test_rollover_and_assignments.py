"""School-year rollover, grade-band assignments that follow students, the demo targets."""

from __future__ import annotations

import datetime as dt

from coverage_support import DEADLINE, TODAY
from sqlalchemy import func, select

from helpers import SCHOOL_YEAR
from lms_module.coverage.figures import Figures, ReportScope, subtree_figures
from lms_module.coverage.rollup import ensure_rollup
from lms_module.learning.models import Audience
from lms_module.obligations.models import Assignment, CoverageTarget
from lms_module.obligations.query import obligations
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import Membership, Role
from lms_module.people.services import add_membership


def _students(db, small, year):
    scope = ReportScope(small.student_requirement.id, year, Audience.STUDENT)
    ensure_rollup(db, small.student_requirement.id, year, Audience.STUDENT, TODAY)
    return subtree_figures(db, small.units["province"], scope)


def test_rollover_promotes_students_keeps_last_year_and_copies_targets(db, small, runner):
    before = db.scalar(select(func.count()).select_from(Membership))
    result = runner.invoke(args=["lms", "rollover", "--from", SCHOOL_YEAR, "--to", "2027-2028"])
    assert result.exit_code == 0, result.output
    # 12 counted students and h1 of the other province; the deactivated g1 is not carried.
    assert "13 học sinh lên lớp" in result.output
    db.expire_all()
    # Nothing deleted; last year's memberships are kept, inactive.
    assert db.scalar(select(func.count()).select_from(Membership)) > before
    a1 = small.users["a1"]
    memberships = {(m.org_unit.name, m.school_year, m.active) for m in a1.memberships}
    assert memberships == {("2A", SCHOOL_YEAR, False), ("3A", "2027-2028", True)}
    b1 = {(m.org_unit.name, m.school_year, m.active) for m in small.users["b1"].memberships}
    assert ("4A", "2027-2028", True) in b1 and ("2A", SCHOOL_YEAR, False) in b1
    eleventh = db.scalars(select(OrgUnit).where(OrgUnit.name == "11A")).one()
    assert eleventh.grade == 11 and eleventh.parent_id == small.units["thpt"].id
    # Last year's report is unchanged; the new year starts from zero coverage of its own.
    assert _students(db, small, SCHOOL_YEAR) == Figures(12, 7, 4)
    assert _students(db, small, "2027-2028").population == 12
    copied = db.scalars(select(CoverageTarget).where(
        CoverageTarget.school_year == "2027-2028")).all()
    assert {(t.audience, t.percent, t.deadline.isoformat()) for t in copied} == {
        (Audience.STUDENT, 95, "2028-05-31"), (Audience.TEACHER, 100, "2028-05-31"),
        (Audience.STAFF, 100, "2028-05-31"), (Audience.MANAGER, 100, "2028-05-31")}
    again = runner.invoke(args=["lms", "rollover", "--from", SCHOOL_YEAR, "--to", "2027-2028"])
    assert again.exit_code != 0 and "đã được kết chuyển" in again.output


def test_grade_five_leavers_leave_and_a_wrong_year_pair_is_refused(db, small, make_unit, runner):
    fifth = make_unit(OrgKind.CLASS, small.units["primary"], name="5A", grade=5)
    add_membership(db, small.users["a4"], fifth, Role.STUDENT, school_year=SCHOOL_YEAR)
    db.flush()
    wrong = runner.invoke(args=["lms", "rollover", "--from", SCHOOL_YEAR, "--to", "2028-2029"])
    assert wrong.exit_code != 0 and "2027-2028" in wrong.output
    result = runner.invoke(args=["lms", "rollover", "--from", SCHOOL_YEAR, "--to", "2027-2028"])
    assert "1 học sinh ra trường" in result.output
    db.expire_all()
    a4 = {(m.org_unit.name, m.school_year, m.active) for m in small.users["a4"].memberships}
    assert ("5A", SCHOOL_YEAR, False) in a4  # left the primary school: ended, not deleted
    assert not any(year == "2027-2028" and name.startswith("6") for name, year, _ in a4)


def _assigned(db, user):
    """The user's obligations from single-course assignments (not from the targets)."""
    return [o for o in obligations(db, user=user, school_year=SCHOOL_YEAR, today=TODAY)
            if o.requirement is None]


def test_grade_band_assignments_follow_a_student_who_moves_up(db, small):
    lower = Assignment(course_id=small.courses["k12"].id, org_unit_id=small.units["province"].id,
                       role=Role.STUDENT, grade_min=1, grade_max=2, due_on=TODAY)
    upper = Assignment(course_id=small.courses["k35"].id, org_unit_id=small.units["province"].id,
                       role=Role.STUDENT, grade_min=3, grade_max=5, due_on=TODAY)
    db.add_all([lower, upper])
    db.flush()
    a4 = small.users["a4"]
    assert [o.course.id for o in _assigned(db, a4)] == [lower.course_id]
    for membership in a4.memberships:
        membership.active = False
    add_membership(db, a4, small.units["3A"], Role.STUDENT, school_year=SCHOOL_YEAR)
    db.flush()
    due = _assigned(db, a4)
    assert [o.course.id for o in due] == [upper.course_id] and not due[0].covered
    assert due[0].due_on == TODAY
    # b3 (grade 3) already holds the 3-5 course.
    assert [o.covered for o in _assigned(db, small.users["b3"])] == [True]


def test_demo_ships_the_lai_chau_plan_targets(runner, db):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    targets = db.scalars(select(CoverageTarget)).all()
    assert {(t.audience, t.percent) for t in targets} == {
        (Audience.PARENT, 95), (Audience.STUDENT, 95), (Audience.TEACHER, 100),
        (Audience.STAFF, 100), (Audience.MANAGER, 100)}
    assert all(t.deadline.month == 5 and t.deadline.day == 31 for t in targets)
    assert all("675/KH-UBND" in t.source for t in targets)
    runner.invoke(args=["lms", "demo"])
    assert db.scalar(select(func.count()).select_from(CoverageTarget)) == 5


def test_rollover_moves_dated_assignments_and_their_requirement_a_year_on(db, small, runner):
    dated = Assignment(course_id=small.courses["k12"].id, org_unit_id=small.units["province"].id,
                       requirement_id=small.student_requirement.id, role=Role.STUDENT,
                       grade_min=1, grade_max=2, due_on=DEADLINE)
    standing = Assignment(course_id=small.courses["adult"].id, role=Role.TEACHER,
                          org_unit_id=small.units["province"].id)
    db.add_all([dated, standing])
    db.flush()
    result = runner.invoke(args=["lms", "rollover", "--from", SCHOOL_YEAR, "--to", "2027-2028"])
    assert result.exit_code == 0, result.output
    assert "1 lượt giao khóa học" in result.output
    db.expire_all()
    rows = {(a.course_id, a.requirement_id, a.role, a.grade_min, a.grade_max, a.due_on, a.active)
            for a in db.scalars(select(Assignment))}
    assert rows == {
        (small.courses["k12"].id, small.student_requirement.id, Role.STUDENT, 1, 2, DEADLINE,
         False),
        (small.courses["k12"].id, small.student_requirement.id, Role.STUDENT, 1, 2,
         dt.date(2028, 5, 31), True),
        (small.courses["adult"].id, None, Role.TEACHER, None, None, None, True),
    }


def test_the_last_grade_a_multi_level_school_holds_leaves_and_its_fifth_grade_moves_up(
    db, small, make_unit, make_user, runner
):
    """A "Tiểu học và THCS" school keeps its grade 5 (into 6A) and lets grade 9 leave, by the
    same grades the roster import accepts for it."""
    combined = make_unit(
        OrgKind.SCHOOL, small.units["primary"].parent, name="Trường PTDTBT TH và THCS Nậm Tăm",
        school_level=SchoolLevel.MULTI_LEVEL,
    )
    fifth = make_unit(OrgKind.CLASS, combined, name="5A", grade=5)
    ninth = make_unit(OrgKind.CLASS, combined, name="9A", grade=9)
    fifth_grader = make_user(Role.STUDENT, fifth)
    ninth_grader = make_user(Role.STUDENT, ninth)
    db.flush()
    result = runner.invoke(args=["lms", "rollover", "--from", SCHOOL_YEAR, "--to", "2027-2028"])
    assert result.exit_code == 0, result.output
    db.expire_all()
    moved = {(m.org_unit.name, m.school_year, m.active) for m in fifth_grader.memberships}
    assert moved == {("5A", SCHOOL_YEAR, False), ("6A", "2027-2028", True)}
    left = {(m.org_unit.name, m.school_year, m.active) for m in ninth_grader.memberships}
    assert left == {("9A", SCHOOL_YEAR, False)}
