"""Requirements and coverage targets: creating them and finding those that apply to a unit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.core.errors import LMSError
from lms_module.learning.models import AUDIENCE_ROLES, Audience, Course
from lms_module.obligations.models import CoverageTarget, Requirement, requirement_course
from lms_module.obligations.population import COVERAGE_AUDIENCES
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import User
from lms_module.school_years.year import SchoolYear

# ---------------------------------------------------------------------------- errors


class InvalidTargetError(LMSError):
    """A coverage target that cannot be saved as given."""


# ---------------------------------------------------------------------------- requirements


def create_requirement(
    session: Session, *, code: str, title_vi: str, courses: Sequence[Course], title_en: str = ""
) -> Requirement:
    """Create a requirement satisfied by a certificate of any of ``courses``."""
    requirement = Requirement(code=code, title_vi=title_vi, title_en=title_en)
    requirement.courses = list(courses)
    session.add(requirement)
    session.flush()
    return requirement


def requirement_course_ids(session: Session, requirement_id: int) -> list[int]:
    """Return the ids of the courses that satisfy a requirement."""
    return list(
        session.scalars(
            select(requirement_course.c.course_id).where(
                requirement_course.c.requirement_id == requirement_id
            )
        )
    )


# ---------------------------------------------------------------------------- targets


def set_target(
    session: Session,
    *,
    unit: OrgUnit,
    audience: Audience,
    requirement: Requirement,
    percent: float,
    school_year: str,
    deadline: dt.date,
    source: str = "",
    actor: User | None = None,
) -> CoverageTarget:
    """Create or update the target of ``unit`` for this audience, requirement and year."""
    year = SchoolYear.parse(school_year)
    if audience not in AUDIENCE_ROLES:
        raise InvalidTargetError("Chỉ tiêu chỉ đặt cho học sinh, giáo viên, nhân viên hoặc CBQL.")
    if not 0 < percent <= 100:
        raise InvalidTargetError("Tỉ lệ chỉ tiêu phải lớn hơn 0 và không quá 100%.")
    if not year.first_day <= deadline <= dt.date(year.end, 12, 31):
        raise InvalidTargetError(
            f"Hạn hoàn thành phải nằm trong năm học {year} "
            f"(từ 01/08/{year.start} đến 31/12/{year.end})."
        )
    if unit.kind in (OrgKind.CLASS,):
        raise InvalidTargetError("Không đặt chỉ tiêu cho lớp: hãy đặt cho trường hoặc cấp trên.")
    target = session.scalar(
        select(CoverageTarget).where(
            CoverageTarget.org_unit_id == unit.id,
            CoverageTarget.audience == audience,
            CoverageTarget.requirement_id == requirement.id,
            CoverageTarget.school_year == school_year,
        )
    )
    if target is None:
        target = CoverageTarget(
            org_unit_id=unit.id,
            audience=audience,
            requirement_id=requirement.id,
            school_year=school_year,
        )
        session.add(target)
    target.percent = percent
    target.deadline = deadline
    target.source = source
    target.created_by_id = actor.id if actor is not None else None
    session.flush()
    return target


def targets_for(
    session: Session, unit: OrgUnit, school_year: str, audience: Audience | None = None
) -> list[CoverageTarget]:
    """Return the targets that apply to ``unit``: its own and its ancestors', nearest first."""
    query = select(CoverageTarget).where(
        CoverageTarget.org_unit_id.in_(unit.ancestor_ids),
        CoverageTarget.school_year == school_year,
    )
    if audience is not None:
        query = query.where(CoverageTarget.audience == audience)
    targets = list(session.scalars(query))
    depth = {unit_id: index for index, unit_id in enumerate(unit.ancestor_ids)}
    audience_order = {a: i for i, a in enumerate(COVERAGE_AUDIENCES)}
    targets.sort(key=lambda t: (audience_order[t.audience], -depth[t.org_unit_id], t.id))
    return targets


def school_years_with_targets(session: Session) -> list[str]:
    """Return every school year that has a target, newest first."""
    return sorted(
        set(session.scalars(select(CoverageTarget.school_year).distinct())), reverse=True
    )
