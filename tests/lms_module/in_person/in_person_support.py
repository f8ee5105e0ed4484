"""The world of the in-person tests: a school with two classes, its teachers and manager
(``teaching.build_school``), the parents' and teachers' courses with their requirements, a
parents' target, and the clock the services are given."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from teaching import TODAY, School, build_school

from helpers import SCHOOL_YEAR, make_course
from lms_module.in_person.services import Clock
from lms_module.learning.models import Audience, Course
from lms_module.obligations.models import Requirement
from lms_module.obligations.targets import create_requirement, set_target
from lms_module.school_years.year import SchoolYear

#: The day the sessions of the tests were held.
HELD_ON = TODAY - dt.timedelta(days=2)
#: The clock the services are given (the tests' school year, Vietnam's time zone).
CLOCK = Clock(today=TODAY, school_year=SCHOOL_YEAR, timezone="Asia/Ho_Chi_Minh")


@dataclass
class World:
    """The school of ``teaching.build_school`` with the courses sessions stand for."""

    school: School
    parents_course: Course
    parents_requirement: Requirement
    teachers_course: Course

    def __getitem__(self, key: str) -> Any:
        return self.school.people.get(key) or self.school.units[key]


def build_world(db: Session) -> World:
    """Build the school, the parents' course, its requirement and a 95% parents' target."""
    school = build_school(db, "IP")
    parents = make_course(db, "ip-cung-con", Audience.PARENT)
    parents.title_vi = "Cùng con an toàn"
    requirement = create_requirement(
        db, code="IP-GD", title_vi="Kiến thức bảo vệ trẻ em cho gia đình", courses=[parents]
    )
    set_target(db, unit=school.units["province"], audience=Audience.PARENT,
               requirement=requirement, percent=95, school_year=SCHOOL_YEAR,
               deadline=SchoolYear.parse(SCHOOL_YEAR).reporting_end)
    db.flush()
    return World(school, parents, requirement, school.courses["adults"])


def count(db: Session, model: Any, *where: Any) -> int:
    """How many rows of ``model`` match."""
    return int(db.scalar(select(func.count()).select_from(model).where(*where)) or 0)
