"""The synthetic-data command builds a consistent province, families included, on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections import defaultdict

from coverage_support import TODAY
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from lms_module.certification.models import Certificate
from lms_module.coverage.figures import (
    Figures,
    direct_subtree_figures,
    scope_of,
    subtree_figures,
)
from lms_module.coverage.rollup import ensure_rollup
from lms_module.coverage.synth import synthesize
from lms_module.families.services import links_of_child, may_follow
from lms_module.learning.models import Audience
from lms_module.obligations.models import CoverageTarget, Requirement
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role, User


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
    adults = Membership.role.in_([Role.TEACHER, Role.STAFF, Role.SCHOOL_MANAGER])
    assert db.scalar(select(func.count(func.distinct(Membership.user_id))).where(adults)) == 80
    # Adults 7 and 57 also teach at a second school (counted once in the province below).
    assert db.scalar(select(func.count()).select_from(Membership).where(adults)) == 82
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


def _family_target(db: Session) -> CoverageTarget:
    return db.scalars(select(CoverageTarget).where(
        CoverageTarget.audience == Audience.PARENT)).one()


def _hand_count(db: Session, target: CoverageTarget) -> dict[int, Figures]:
    """Count each unit's families from the rows themselves, in Python: a child's family is its
    family_id (or the child alone), covered when an active adult of the family holds a valid
    certificate of the parents' course today."""
    course_ids = {course.id for course in db.get_one(Requirement, target.requirement_id).courses}
    covered_families = set(db.scalars(
        select(User.family_id).join(Certificate, Certificate.user_id == User.id).where(
            User.family_id.is_not(None), User.active.is_(True),
            Certificate.course_id.in_(course_ids), Certificate.revoked_at.is_(None),
            Certificate.issued_on <= TODAY, Certificate.expires_on >= TODAY,
        )))
    families: dict[int, set[int]] = defaultdict(set)
    covered: dict[int, set[int]] = defaultdict(set)
    class_unit = aliased(OrgUnit)
    for user_id, family_id, path in db.execute(
        select(User.id, User.family_id, class_unit.path)
        .join(Membership, Membership.user_id == User.id)
        .join(class_unit, class_unit.id == Membership.org_unit_id)
        .where(Membership.role == Role.STUDENT, Membership.active.is_(True))
    ).all():
        key = family_id if family_id is not None else -user_id
        for unit_id in path.strip("/").split("/"):  # the class and every unit above it
            families[int(unit_id)].add(key)
            if family_id in covered_families:
                covered[int(unit_id)].add(key)
    return {unit: Figures(len(keys), len(covered[unit]), 0) for unit, keys in families.items()}


def test_synth_families_count_once_at_every_level_as_a_hand_count_and_the_direct_count(db):
    result = synthesize(db, students_per_province=3000, staff_per_province=20, today=TODAY)
    assert result.families > 0 and result.parents > result.families  # some have two adults
    target = _family_target(db)
    ensure_rollup(db, target.requirement_id, target.school_year, Audience.PARENT, TODAY)
    scope = scope_of(target)
    hand = _hand_count(db, target)
    units = list(db.scalars(select(OrgUnit).where(OrgUnit.code.like("SYN%"))))
    assert len(units) > 100  # the ministry, province, communes, schools and classes
    for unit in units:
        rolled = subtree_figures(db, unit, scope)
        assert rolled == direct_subtree_figures(db, unit, scope, TODAY), unit.code
        counted = hand.get(unit.id, Figures(0, 0, 0))  # the last classes may have no one
        assert (rolled.population, rolled.covered) == (
            counted.population, counted.covered), unit.code
    province = next(unit for unit in units if unit.kind is OrgKind.PROVINCE)
    figures = subtree_figures(db, province, scope)
    assert 0.3 < figures.covered / figures.population < 0.6  # far from the 95% target


def test_synth_siblings_in_two_schools_count_in_each_school_and_once_above(db):
    synthesize(db, students_per_province=3000, staff_per_province=20, today=TODAY)
    target = _family_target(db)
    ensure_rollup(db, target.requirement_id, target.school_year, Audience.PARENT, TODAY)
    scope = scope_of(target)
    school = aliased(OrgUnit)
    class_unit = aliased(OrgUnit)
    schools_of: dict[int, set[int]] = defaultdict(set)
    for family_id, school_id in db.execute(
        select(User.family_id, school.id)
        .join(Membership, Membership.user_id == User.id)
        .join(class_unit, class_unit.id == Membership.org_unit_id)
        .join(school, school.id == class_unit.parent_id)
        .where(Membership.role == Role.STUDENT, User.family_id.is_not(None))
    ).all():
        schools_of[family_id].add(school_id)
    commune = db.scalars(select(OrgUnit).where(OrgUnit.code == "SYN00-X1")).one()
    its_schools = list(db.scalars(select(OrgUnit).where(OrgUnit.parent_id == commune.id)))
    ids = {s.id for s in its_schools}
    split = [f for f, where in schools_of.items() if len(where & ids) > 1]
    assert split  # siblings in two schools of the commune
    assert any(len(where) > 1 and not where <= ids for where in schools_of.values())
    each = sum(subtree_figures(db, s, scope).population for s in its_schools)
    once = subtree_figures(db, commune, scope).population
    extra = sum(len(schools_of[f] & ids) - 1 for f in split)
    assert once == each - extra > 0  # counted in each school, once in the commune
    province = db.get_one(OrgUnit, commune.parent_id)
    assert subtree_figures(db, province, scope) == direct_subtree_figures(
        db, province, scope, TODAY)
    # The families are linked as the parents' pages link them: each child to its adults.
    family = split[0]
    children = db.scalars(select(User).join(Membership).where(
        User.family_id == family, Membership.role == Role.STUDENT)).all()
    adults = db.scalars(select(User).join(Membership).where(
        User.family_id == family, Membership.role == Role.PARENT)).unique().all()
    assert adults and len(children) >= 2
    for child in children:
        assert {link.adult_user_id for link in links_of_child(db, child)} == {
            adult.id for adult in adults}
        assert may_follow(db, adults[0], child)
    parent_schools = set(db.scalars(select(Membership.org_unit_id).where(
        Membership.user_id == adults[0].id, Membership.role == Role.PARENT)))
    assert parent_schools == schools_of[family]  # a parent membership at each child's school
