"""The synthetic-data command builds a consistent province on SQLite and PostgreSQL."""

from __future__ import annotations

from coverage_support import TODAY
from sqlalchemy import func, select

from lms_module.coverage.figures import direct_subtree_figures, scope_of, subtree_figures
from lms_module.coverage.rollup import ensure_rollup
from lms_module.coverage.synth import synthesize
from lms_module.obligations.models import CoverageTarget
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role


def test_synth_builds_a_small_province_whose_rollup_matches_the_direct_count(runner, db):
    result = runner.invoke(args=["lms", "synth", "--province-students", "1500", "--staff", "80"])
    assert result.exit_code == 0, result.output
    province = db.scalars(select(OrgUnit).where(OrgUnit.kind == OrgKind.PROVINCE,
                                                OrgUnit.code == "SYN00")).one()
    students = db.scalar(select(func.count()).select_from(Membership).where(
        Membership.role == Role.STUDENT))
    assert students == 1500
    assert db.scalar(select(func.count()).where(
        OrgUnit.kind == OrgKind.LEGACY_DISTRICT, OrgUnit.code.like("SYN%"))) == 1
    thpt = db.scalars(select(OrgUnit).where(OrgUnit.code.like("SYN00-%-THPT"))).first()
    assert thpt is not None and thpt.parent_id == province.id
    assert db.scalar(select(func.count()).select_from(Membership).where(
        Membership.role.in_([Role.TEACHER, Role.STAFF, Role.SCHOOL_MANAGER]))) == 80
    today = TODAY
    for target in db.scalars(select(CoverageTarget)):
        ensure_rollup(db, target.requirement_id, target.school_year, target.audience, today)
        rolled = subtree_figures(db, province, scope_of(target))
        assert rolled == direct_subtree_figures(db, province, scope_of(target), today)
        assert 0 < rolled.covered <= rolled.population


def test_synth_up_to_tops_up_the_provinces_so_an_interrupted_run_can_start_again(db):
    def provinces() -> list[str]:
        return list(db.scalars(select(OrgUnit.code).where(
            OrgUnit.kind == OrgKind.PROVINCE, OrgUnit.code.like("SYN%")).order_by(OrgUnit.code)))

    checkpoints: list[list[str]] = []
    first = synthesize(db, provinces=1, students_per_province=300, staff_per_province=10,
                       up_to=2, today=TODAY, checkpoint=lambda: checkpoints.append(provinces()))
    assert (first.provinces, first.students) == (2, 600)
    assert checkpoints == [["SYN00"], ["SYN00", "SYN01"]]  # one checkpoint per whole province
    again = synthesize(db, students_per_province=300, staff_per_province=10, up_to=2, today=TODAY)
    assert (again.provinces, again.students, again.units) == (0, 0, 0)
    more = synthesize(db, students_per_province=300, staff_per_province=10, up_to=3, today=TODAY)
    assert more.provinces == 1
    assert provinces() == ["SYN00", "SYN01", "SYN02"]
    assert db.scalar(select(func.count()).select_from(Membership).where(
        Membership.role == Role.STUDENT)) == 900
