"""Coverage figures on the hand-counted small tree (see coverage_support.build_small_tree)."""

from __future__ import annotations

import datetime as dt

from coverage_support import TODAY, SmallTree, days, give_certificate
from sqlalchemy.orm import Session

from helpers import SCHOOL_YEAR
from lms_module.coverage.figures import (
    Figures,
    ReportScope,
    children_figures,
    direct_subtree_figures,
    school_class_figures,
    school_grade_figures,
    subtree_figures,
    target_report,
    uncovered_people,
)
from lms_module.coverage.rollup import ensure_rollup
from lms_module.coverage.status import Status, target_status
from lms_module.learning.models import Audience
from lms_module.orgs.models import SchoolLevel


def scope(small: SmallTree, audience: Audience = Audience.STUDENT,
          level: SchoolLevel | None = None) -> ReportScope:
    requirement = small.student_requirement if audience is Audience.STUDENT else (
        small.adult_requirement)
    return ReportScope(requirement.id, SCHOOL_YEAR, audience, level)


def figures(db: Session, small: SmallTree, key: str, audience: Audience = Audience.STUDENT,
            level: SchoolLevel | None = None) -> Figures:
    target = small.targets[audience.value]
    ensure_rollup(db, target.requirement_id, SCHOOL_YEAR, audience, TODAY)
    return subtree_figures(db, small.units[key], scope(small, audience, level))


def test_province_student_coverage_counts_valid_certificates_only(db, small):
    assert figures(db, small, "province") == Figures(12, 7, 4)


def test_each_level_of_the_tree_sums_its_subtree(db, small):
    assert figures(db, small, "district") == Figures(7, 4, 3)
    assert figures(db, small, "commune") == Figures(7, 4, 3)
    assert figures(db, small, "primary") == Figures(7, 4, 3)
    assert figures(db, small, "ward") == Figures(2, 1, 0)
    assert figures(db, small, "thpt") == Figures(3, 2, 1)
    assert figures(db, small, "other") == Figures(1, 1, 0)  # h1 issued 20 days ago
    assert figures(db, small, "bo") == Figures(13, 8, 4)


def test_adult_audiences_are_counted_at_their_school(db, small):
    assert figures(db, small, "province", Audience.TEACHER) == Figures(4, 3, 1)
    assert figures(db, small, "province", Audience.STAFF) == Figures(1, 1, 0)
    assert figures(db, small, "province", Audience.MANAGER) == Figures(2, 0, 0)
    assert figures(db, small, "primary", Audience.TEACHER) == Figures(2, 1, 1)


def test_school_level_filter_keeps_only_schools_of_that_level(db, small):
    assert figures(db, small, "province", level=SchoolLevel.UPPER_SECONDARY) == Figures(3, 2, 1)
    assert figures(db, small, "province", level=SchoolLevel.PRIMARY) == Figures(7, 4, 3)


def test_drill_down_lists_children_with_their_subtree_figures(db, small):
    figures(db, small, "province")
    rows = {r.unit.name: r.figures for r in children_figures(
        db, small.units["province"], scope(small))}
    assert rows == {
        "Huyện Tam Đường (cũ)": Figures(7, 4, 3),
        "Phường Tân Phong": Figures(2, 1, 0),
        "Trường THPT Lai Châu": Figures(3, 2, 1),
    }


def test_a_student_who_changed_class_counts_once_in_the_new_class(db, small):
    figures(db, small, "province")
    classes = {r.unit.name: r.figures for r in school_class_figures(
        db, small.units["primary"], scope(small))}
    assert classes == {"2A": Figures(4, 2, 1), "3A": Figures(3, 2, 2)}
    grades = [(g.grade, g.figures) for g in school_grade_figures(
        db, small.units["primary"], scope(small))]
    assert grades == [(2, Figures(4, 2, 1)), (3, Figures(3, 2, 2))]


def test_rollup_matches_the_direct_query_everywhere(db, small):
    for key in ("bo", "province", "district", "ward", "thpt", "primary", "2A"):
        for audience in (Audience.STUDENT, Audience.TEACHER, Audience.MANAGER):
            assert figures(db, small, key, audience) == direct_subtree_figures(
                db, small.units[key], scope(small, audience), TODAY), (key, audience)


def test_target_report_gives_coverage_people_to_train_and_status(db, small):
    report = target_report(db, small.targets["student"], small.units["province"], TODAY)
    assert report.figures == Figures(12, 7, 4)
    assert round(report.figures.percent or 0, 2) == 58.33
    assert report.still_to_train == 5  # ceil(95% of 12) = 12, minus 7
    expected, _ = target_status(population=12, covered=7, covered_before=4, target_percent=95,
                                today=TODAY, deadline=dt.date(2027, 5, 31))
    assert report.status is expected
    managers = target_report(db, small.targets["manager"], small.units["province"], TODAY)
    assert managers.still_to_train == 2


def test_revoking_or_issuing_a_certificate_updates_the_next_report(db, small):
    assert figures(db, small, "province") == Figures(12, 7, 4)
    from sqlalchemy import select

    from lms_module.certification.models import Certificate
    from lms_module.db import utcnow

    certificate = db.scalars(
        select(Certificate).where(Certificate.user_id == small.users["a2"].id)).one()
    certificate.revoked_at = utcnow()
    certificate.revoked_reason = "Cấp nhầm"
    db.flush()
    assert figures(db, small, "province") == Figures(12, 6, 4)
    give_certificate(db, small.users["a4"], small.courses["k12"], issued=TODAY,
                     expires=days(365))
    assert figures(db, small, "province") == Figures(12, 7, 4)
    assert figures(db, small, "2A") == Figures(4, 2, 1)


def test_moving_a_student_to_another_class_updates_the_rollup(db, small):
    figures(db, small, "province")
    from lms_module.people.services import add_membership

    for membership in small.users["e2"].memberships:
        membership.active = False
    add_membership(db, small.users["e2"], small.units["10A"], small.users["e2"].memberships[0].role,
                   school_year=SCHOOL_YEAR)
    db.flush()
    assert figures(db, small, "ward") == Figures(1, 1, 0)
    assert figures(db, small, "thpt") == Figures(4, 2, 1)
    assert figures(db, small, "province") == Figures(12, 7, 4)


def test_a_unit_moved_in_the_tree_takes_its_figures_along_without_a_refresh(db, small):
    """The commune leaves the legacy district (as on 1/7/2025), then its school moves to the
    ward: each report after a move counts the people at their new place."""
    from lms_module.roster.units import move_unit

    assert figures(db, small, "district") == Figures(7, 4, 3)
    move_unit(db, small.units["commune"], small.units["province"])
    db.flush()
    assert figures(db, small, "district") == Figures(0, 0, 0)
    assert figures(db, small, "commune") == Figures(7, 4, 3)
    assert figures(db, small, "province") == Figures(12, 7, 4)
    move_unit(db, small.units["primary"], small.units["ward"])
    db.flush()
    assert figures(db, small, "commune") == Figures(0, 0, 0)
    assert figures(db, small, "ward") == Figures(9, 5, 3)
    assert figures(db, small, "ward", Audience.TEACHER) == Figures(3, 2, 1)
    for key in ("province", "district", "commune", "ward", "primary"):
        assert figures(db, small, key) == direct_subtree_figures(
            db, small.units[key], scope(small), TODAY), key


def test_changing_a_school_level_moves_its_classes_to_that_level(db, small):
    assert figures(db, small, "province", level=SchoolLevel.PRIMARY) == Figures(7, 4, 3)
    small.units["primary"].school_level = SchoolLevel.LOWER_SECONDARY
    db.flush()
    assert figures(db, small, "province", level=SchoolLevel.PRIMARY) == Figures(0, 0, 0)
    assert figures(db, small, "province", level=SchoolLevel.LOWER_SECONDARY) == Figures(9, 5, 3)


def test_a_certificate_expiring_after_the_rollup_was_built_stops_counting(db, small):
    figures(db, small, "province")
    later = days(301)  # every "soon" certificate has expired; f1 never expires
    target = small.targets["student"]
    ensure_rollup(db, target.requirement_id, SCHOOL_YEAR, Audience.STUDENT, later)
    assert subtree_figures(db, small.units["province"], scope(small)).covered == 1


def test_uncovered_people_are_named_by_class(db, small):
    people = uncovered_people(db, small.units["primary"], scope(small), TODAY)
    assert [(p.full_name, p.unit_name) for p in people] == [
        ("Giàng A Của", "2A"), ("Vàng Thị Dung", "2A"), ("Lý Thị Giang", "3A")]


def test_status_rules_with_hand_computed_projections():
    deadline = dt.date(2027, 5, 31)
    today = dt.date(2027, 3, 2)  # 90 days left
    # 100 people, 80 covered, 60 four weeks ago: +20 in 28 days -> +64 by the deadline.
    assert target_status(population=100, covered=80, covered_before=60, target_percent=95,
                         today=today, deadline=deadline)[0] is Status.ON_TRACK
    # +2 in 28 days -> 80 + 2/28*90 = 86.4% : 8.6 points short -> at risk.
    status, projected = target_status(population=100, covered=80, covered_before=78,
                                      target_percent=95, today=today, deadline=deadline)
    assert status is Status.AT_RISK and round(projected or 0, 1) == 86.4
    # No progress, 15 points short -> off track.
    assert target_status(population=100, covered=80, covered_before=80, target_percent=95,
                         today=today, deadline=deadline)[0] is Status.OFF_TRACK
    assert target_status(population=100, covered=95, covered_before=0, target_percent=95,
                         today=today, deadline=deadline)[0] is Status.MET
    assert target_status(population=100, covered=94, covered_before=0, target_percent=95,
                         today=dt.date(2027, 6, 1), deadline=deadline)[0] is Status.OFF_TRACK
    assert target_status(population=0, covered=0, covered_before=0, target_percent=95,
                         today=today, deadline=deadline)[0] is Status.NO_POPULATION


def test_per_school_sums_kept_up_by_each_change_equal_a_full_rebuild(db, small):
    """Reports at or above a school read the per-school sums: after a revoked certificate, a
    student moved to another school's class and a moved commune, they equal a rebuild."""
    from sqlalchemy import select

    from lms_module.certification.models import Certificate
    from lms_module.coverage.models import CoverageSchoolRollup
    from lms_module.coverage.rollup import refresh_all
    from lms_module.db import utcnow
    from lms_module.people.services import add_membership
    from lms_module.roster.units import move_unit

    def school_sums() -> set[tuple[object, ...]]:
        table = CoverageSchoolRollup
        return {tuple(row) for row in db.execute(select(
            table.requirement_id, table.school_year, table.unit_id, table.path,
            table.school_level, table.audience, table.population, table.covered,
            table.covered_before))}

    for audience in (Audience.STUDENT, Audience.TEACHER, Audience.STAFF, Audience.MANAGER):
        figures(db, small, "province", audience)  # every rollup built before the changes
    certificate = db.scalars(select(Certificate).where(
        Certificate.user_id == small.users["a2"].id)).one()
    certificate.revoked_at, certificate.revoked_reason = utcnow(), "Cấp nhầm"
    for membership in small.users["e2"].memberships:
        membership.active = False
    add_membership(db, small.users["e2"], small.units["10A"],
                   small.users["e2"].memberships[0].role, school_year=SCHOOL_YEAR)
    move_unit(db, small.units["commune"], small.units["province"])
    db.flush()
    assert figures(db, small, "province") == Figures(12, 6, 4)
    assert figures(db, small, "thpt") == Figures(4, 2, 1)
    kept = school_sums()
    assert {row[2] for row in kept} >= {small.units[k].id for k in ("primary", "thpt")}
    refresh_all(db, TODAY)
    assert school_sums() == kept
