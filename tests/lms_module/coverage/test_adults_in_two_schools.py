"""An adult who works in two schools counts in each school, and once in every unit above them.

On the small tree (``coverage_support``), three teachers get a second school:

* t1 (TH Bình Lư, covered) also teaches at a second primary school of Xã Bình Lư;
* t2 (TH Bình Lư, not covered) also teaches at THCS Tân Phong, in another commune (a ward) of
  the province;
* t3 (THPT Lai Châu, covered) also teaches in the other province (Điện Biên).

Teachers are then t1, t2, t3, t4: 4 people, 3 covered, in Lai Châu and at the ministry; the
commune counts t1 and t2 once (2 / 1); the ward t2 and t4 (2 / 1); each school everyone who
works there. Every figure equals a distinct count straight from memberships and certificates,
and a full rebuild, also after the memberships and certificates change.
"""

from __future__ import annotations

import pytest
from coverage_support import TODAY, SmallTree, days, give_certificate
from flask import Flask
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from helpers import SCHOOL_YEAR, sign_in
from lms_module.coverage.figures import (
    Figures,
    ReportScope,
    children_figures,
    direct_children_figures,
    direct_subtree_figures,
    subtree_figures,
    target_reports,
)
from lms_module.coverage.models import (
    CoverageOverlap,
    CoverageProvinceRollup,
    CoverageRollup,
    CoverageSchoolRollup,
)
from lms_module.coverage.rollup import ensure_rollups, refresh_all
from lms_module.learning.models import Audience
from lms_module.obligations.targets import set_target
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Membership, Role
from lms_module.people.services import add_membership
from lms_module.roster.units import move_unit

ADULT_AUDIENCES = (Audience.TEACHER, Audience.STAFF, Audience.MANAGER)
UNITS = ("bo", "province", "district", "commune", "primary", "primary2", "ward", "thcs", "thpt",
         "other", "other_school")


@pytest.fixture
def shared(db: Session, small: SmallTree) -> SmallTree:
    """The small tree with t1, t2 and t3 each teaching in a second school."""
    small.units["primary2"] = create_unit(
        db, kind=OrgKind.SCHOOL, code="ST-primary2", name="Trường Tiểu học số 2 Bình Lư",
        parent=small.units["commune"], school_level=SchoolLevel.PRIMARY)
    for teacher, school in (("t1", "primary2"), ("t2", "thcs"), ("t3", "other_school")):
        add_membership(db, small.users[teacher], small.units[school], Role.TEACHER,
                       school_year=SCHOOL_YEAR)
    db.flush()
    return small


def _scope(small: SmallTree, audience: Audience = Audience.TEACHER) -> ReportScope:
    return ReportScope(small.adult_requirement.id, SCHOOL_YEAR, audience, None)


def _keys(small: SmallTree) -> list[tuple[int, str, Audience]]:
    """Every target's rollup (what a full rebuild builds)."""
    return [(small.student_requirement.id, SCHOOL_YEAR, Audience.STUDENT)] + [
        (small.adult_requirement.id, SCHOOL_YEAR, audience) for audience in ADULT_AUDIENCES]


def _figures(db: Session, small: SmallTree, audience: Audience = Audience.TEACHER
             ) -> dict[str, Figures]:
    ensure_rollups(db, _keys(small), TODAY)
    return {key: subtree_figures(db, small.units[key], _scope(small, audience)) for key in UNITS}


def _direct(db: Session, small: SmallTree, audience: Audience = Audience.TEACHER
            ) -> dict[str, Figures]:
    return {key: direct_subtree_figures(db, small.units[key], _scope(small, audience), TODAY)
            for key in UNITS}


def _rollup_rows(db: Session) -> set[tuple[object, ...]]:
    rows = set()
    for table in (CoverageRollup, CoverageSchoolRollup, CoverageProvinceRollup,
                  CoverageOverlap):
        columns = [c for c in table.__table__.columns if c.name != "id"]
        rows |= {(table.__tablename__, *row) for row in db.execute(select(*columns))}
    return rows


def _population(figures: dict[str, Figures]) -> dict[str, tuple[int, int]]:
    return {key: (f.population, f.covered) for key, f in figures.items()}


def test_an_adult_in_two_schools_is_counted_once_at_the_commune_province_and_ministry(
    db: Session, shared: SmallTree
):
    assert _population(_figures(db, shared)) == {
        "bo": (4, 3),             # t1, t2, t3, t4 (t3 works in two provinces)
        "province": (4, 3),       # t1, t2, t3, t4 (t2 in two communes)
        "district": (2, 1),       # t1, t2
        "commune": (2, 1),        # t1 (two schools of the commune), t2
        "primary": (2, 1),        # each school counts everyone who works there
        "primary2": (1, 1),       # t1
        "ward": (2, 1),           # t4, t2
        "thcs": (2, 1),
        "thpt": (1, 1),           # t3
        "other": (1, 1),          # t3, in the other province too
        "other_school": (1, 1),
    }


def test_the_figures_equal_a_distinct_count_from_memberships_and_certificates(
    db: Session, shared: SmallTree
):
    assert _figures(db, shared) == _direct(db, shared)
    province = shared.units["province"]
    drill = {row.unit.id: row.figures
             for row in children_figures(db, province, _scope(shared))}
    assert drill == direct_children_figures(db, province, _scope(shared), TODAY)
    ministry = shared.units["bo"]
    drill = {row.unit.id: row.figures for row in children_figures(db, ministry, _scope(shared))}
    assert drill == direct_children_figures(db, ministry, _scope(shared), TODAY)
    # One school level: the primary schools' t1 and t2 once in the province.
    level = ReportScope(shared.adult_requirement.id, SCHOOL_YEAR, Audience.TEACHER,
                        SchoolLevel.PRIMARY)
    assert subtree_figures(db, province, level) == Figures(2, 1, 1)
    assert subtree_figures(db, province, level) == direct_subtree_figures(db, province, level,
                                                                          TODAY)


def _end_second_school(db: Session, small: SmallTree) -> None:
    """t1 stops teaching at the second primary school."""
    db.execute(update(Membership).where(
        Membership.user_id == small.users["t1"].id,
        Membership.org_unit_id == small.units["primary2"].id).values(active=False))


def _certify_t2(db: Session, small: SmallTree) -> None:
    give_certificate(db, small.users["t2"], small.courses["adult"], issued=days(-1),
                     expires=days(300))


def _manager_in_a_second_school(db: Session, small: SmallTree) -> None:
    """m3 (THPT, revoked) also manages THCS Tân Phong; s1 (TH, covered) also works there."""
    add_membership(db, small.users["m3"], small.units["thcs"], Role.SCHOOL_MANAGER,
                   school_year=SCHOOL_YEAR)
    add_membership(db, small.users["s1"], small.units["thcs"], Role.STAFF,
                   school_year=SCHOOL_YEAR)
    db.flush()


def _move_the_ward_to_the_other_province(db: Session, small: SmallTree) -> None:
    """Phường Tân Phong (t2's second school, t4) moves to Điện Biên."""
    move_unit(db, small.units["ward"], small.units["other"])
    db.flush()


def _lock_t3(db: Session, small: SmallTree) -> None:
    """t3, in two provinces, leaves: the ministry loses one person, not two."""
    small.users["t3"].active = False
    db.flush()


CHANGES = {
    "a second school ends": (_end_second_school, {"commune": (2, 1), "primary2": (0, 0)}),
    "a certificate for a teacher in two communes": (
        _certify_t2, {"province": (4, 4), "commune": (2, 2), "ward": (2, 2), "bo": (4, 4)}),
    "a manager and a staff member join a second school": (_manager_in_a_second_school, {}),
    "a commune moves to another province": (
        _move_the_ward_to_the_other_province,
        {"province": (3, 2), "other": (3, 2), "bo": (4, 3), "ward": (2, 1)}),
    "an account in two provinces is locked": (
        _lock_t3, {"province": (3, 2), "other": (0, 0), "bo": (3, 2)}),
}


@pytest.mark.parametrize("change", CHANGES)
def test_after_a_change_the_incremental_figures_equal_the_direct_count_and_a_rebuild(
    change: str, db: Session, shared: SmallTree
):
    write, expected = CHANGES[change]
    ensure_rollups(db, _keys(shared), TODAY)  # built before the change
    write(db, shared)
    for audience in ADULT_AUDIENCES:
        figures = _figures(db, shared, audience)
        assert figures == _direct(db, shared, audience), audience
        if audience is Audience.TEACHER:
            assert {k: v for k, v in _population(figures).items() if k in expected} == expected
    incremental = _rollup_rows(db)
    refresh_all(db, TODAY)
    assert _rollup_rows(db) == incremental


def test_the_ministry_and_a_province_read_the_province_tier(db: Session, shared: SmallTree):
    """Proof by effect: the statements the ministry's report runs read the province tier, one
    row per province and level, and its sums equal the per-school rows'."""
    ensure_rollups(db, _keys(shared), TODAY)
    ministry, province = shared.units["bo"], shared.units["province"]
    target = set_target(db, unit=ministry, audience=Audience.TEACHER,
                        requirement=shared.adult_requirement, percent=100,
                        school_year=SCHOOL_YEAR, deadline=days(100))
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        report = target_reports(db, [target], ministry, TODAY)[0]
        drill = children_figures(db, ministry, _scope(shared))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert report.figures == Figures(4, 3, 1)  # t1 was covered 4 weeks ago
    assert {row.unit.name: (row.figures.population, row.figures.covered) for row in drill} == {
        "Sở GD-ĐT Lai Châu": (4, 3), "Sở GD-ĐT Điện Biên": (1, 1)}
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert any("lms_coverage_province_rollup" in s for s in reads)
    assert not any("lms_coverage_school_rollup" in s for s in reads)
    # One row per province, audience and level (plus the ministry's own overlap row for t3).
    tier = db.execute(select(CoverageProvinceRollup.path, CoverageProvinceRollup.school_level,
                             CoverageProvinceRollup.population)
                      .where(CoverageProvinceRollup.audience == Audience.TEACHER)).all()
    assert len(tier) == len({(path, level) for path, level, _ in tier})
    assert (ministry.path, None, -1) in tier
    # The tier's sums are the per-school rows' sums, over the ministry and each province.
    for unit in (ministry, province, shared.units["other"]):
        assert _sum(db, CoverageProvinceRollup, unit.path) == _sum(db, CoverageSchoolRollup,
                                                                   unit.path)
    # A row changed in the tier shows on the ministry's page and the province's, not below.
    db.execute(update(CoverageProvinceRollup).where(
        CoverageProvinceRollup.unit_id == province.id,
        CoverageProvinceRollup.audience == Audience.TEACHER,
        CoverageProvinceRollup.school_level == SchoolLevel.PRIMARY,
    ).values(population=CoverageProvinceRollup.population + 1000))
    assert subtree_figures(db, ministry, _scope(shared)).population == 1004
    assert subtree_figures(db, province, _scope(shared)).population == 1004
    assert subtree_figures(db, shared.units["commune"], _scope(shared)).population == 2


def _sum(db: Session, table: type[CoverageProvinceRollup] | type[CoverageSchoolRollup],
         path: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in db.execute(
        select(table.audience, table.school_level, *(
            func.sum(c) for c in (table.population, table.covered, table.covered_before)))
        .where(table.path >= path, table.path < path + ":")
        .group_by(table.audience, table.school_level)
        .order_by(table.audience, table.school_level))]


def test_the_commune_dashboard_counts_a_teacher_of_two_of_its_schools_once(
    app: Flask, db: Session, shared: SmallTree
):
    """Through the page: the ward's reviewer sees t2 and t4, 1 of 2 covered, although t2 is
    also counted at TH Bình Lư (another commune)."""
    reviewer = app.test_client()
    assert sign_in(reviewer, shared.users["ward_reviewer"].username).status_code == 302
    target = shared.targets["teacher"]
    page = reviewer.get(f"/units/{shared.units['ward'].id}/coverage?target={target.id}")
    assert page.status_code == 200
    assert "1/2 người có chứng nhận còn hiệu lực" in page.get_data(as_text=True)


def test_filtered_by_level_a_teacher_in_primary_schools_of_two_communes_counts_once(
    db: Session, shared: SmallTree
):
    """t1 also teaches at a primary school of the ward: three primary schools in two communes.
    The primary figures of the province and the ministry count t1 and t2 once each."""
    ward_primary = create_unit(
        db, kind=OrgKind.SCHOOL, code="ST-ward-primary", name="Trường Tiểu học Tân Phong",
        parent=shared.units["ward"], school_level=SchoolLevel.PRIMARY)
    add_membership(db, shared.users["t1"], ward_primary, Role.TEACHER, school_year=SCHOOL_YEAR)
    db.flush()
    ensure_rollups(db, _keys(shared), TODAY)
    level = ReportScope(shared.adult_requirement.id, SCHOOL_YEAR, Audience.TEACHER,
                        SchoolLevel.PRIMARY)
    for key in ("bo", "province", "ward"):
        unit = shared.units[key]
        assert subtree_figures(db, unit, level) == direct_subtree_figures(db, unit, level, TODAY)
    assert subtree_figures(db, shared.units["province"], level) == Figures(2, 1, 1)
    assert subtree_figures(db, shared.units["ward"], level) == Figures(1, 1, 1)
