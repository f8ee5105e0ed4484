"""The demo's coverage targets: the Lai Châu plan 675/KH-UBND (2020-2025) carried forward."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.i18n import local_today
from lms_module.learning.models import Audience, Course
from lms_module.obligations.models import Requirement
from lms_module.obligations.targets import set_target
from lms_module.orgs.services import unit_by_code
from lms_module.school_years.year import SchoolYear

PROVINCE_CODE = "DEMO-LC"
PLAN = "Kế hoạch 675/KH-UBND ngày 03/4/2020 của UBND tỉnh Lai Châu"
STUDENT_REQUIREMENT = "KNS-TU-BAO-VE"
ADULT_REQUIREMENT = "TRUONG-HOC-AN-TOAN-CB"
FAMILY_REQUIREMENT = "BAO-VE-TRE-EM-GIA-DINH"
ADULT_AUDIENCES = (Audience.TEACHER, Audience.STAFF, Audience.MANAGER)


def _requirement(
    session: Session, code: str, title_vi: str, title_en: str, audiences: tuple[Audience, ...]
) -> Requirement:
    requirement = session.scalar(select(Requirement).where(Requirement.code == code))
    if requirement is None:
        requirement = Requirement(code=code, title_vi=title_vi, title_en=title_en)
        session.add(requirement)
    courses = list(session.scalars(select(Course).where(Course.audience.in_(audiences))))
    requirement.courses = sorted(set(requirement.courses) | set(courses), key=lambda c: c.id)
    return requirement


def add_demo_targets(session: Session, today: dt.date | None = None) -> int:
    """Add the plan's targets to the demo province for the current school year (idempotent).

    95% of families with children given child-protection knowledge (the parents' course, or a
    parents' meeting recorded in person); 95% of students taught life skills and
    self-protection; 100% of managers, teachers and staff trained; deadline 31/05 of the school
    year's end. Returns the number of targets.
    """
    province = unit_by_code(session, PROVINCE_CODE)
    if province is None:
        return 0
    year = SchoolYear.containing(today or local_today())
    students = _requirement(
        session, STUDENT_REQUIREMENT, "Kỹ năng sống và tự bảo vệ (theo lứa tuổi)",
        "Life skills and self-protection (age-appropriate)", (Audience.STUDENT,),
    )
    adults = _requirement(
        session, ADULT_REQUIREMENT,
        "Trường học an toàn, phòng chống bạo lực học đường và xâm hại trẻ em",
        "Safe schools, preventing school violence and child abuse", ADULT_AUDIENCES,
    )
    families = _requirement(
        session, FAMILY_REQUIREMENT, "Kiến thức, kỹ năng bảo vệ trẻ em cho gia đình",
        "Child-protection knowledge and skills for families", (Audience.PARENT,),
    )
    session.flush()
    deadline = year.reporting_end
    set_target(session, unit=province, audience=Audience.PARENT, requirement=families,
               percent=95, school_year=str(year), deadline=deadline, source=PLAN)
    set_target(session, unit=province, audience=Audience.STUDENT, requirement=students,
               percent=95, school_year=str(year), deadline=deadline, source=PLAN)
    for audience in ADULT_AUDIENCES:
        set_target(session, unit=province, audience=audience, requirement=adults,
                   percent=100, school_year=str(year), deadline=deadline, source=PLAN)
    return 2 + len(ADULT_AUDIENCES)
