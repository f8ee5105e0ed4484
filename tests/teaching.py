"""Factories for teachers and their classes: a school whose classes have finished, begun and
untouched learners, with homeroom and subject duties (used by the home, roster, obligations
and browser tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from helpers import PASSWORD, SCHOOL_YEAR, hashed, make_course, record_certificate
from lms_module.certification.models import Certificate
from lms_module.learning.models import (
    Audience,
    BlockCompletion,
    Course,
    LearnerPosition,
)
from lms_module.obligations.models import CoverageTarget, Requirement
from lms_module.obligations.targets import set_target
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import ClassDuty, Role, TeachingAssignment, User
from lms_module.people.services import add_membership, create_user
from lms_module.school_years.year import SchoolYear

#: Today in the app's time zone (LMS_TIMEZONE), as the pages compute it.
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def give_duty(
    session: Session, teacher: User, class_unit: OrgUnit, duty: ClassDuty,
    school_year: str = SCHOOL_YEAR,
) -> TeachingAssignment:
    """Record that ``teacher`` is homeroom teacher of, or teaches, ``class_unit``."""
    assignment = TeachingAssignment(
        user_id=teacher.id, class_unit_id=class_unit.id, school_year=school_year, duty=duty
    )
    session.add(assignment)
    session.flush()
    return assignment


def give_certificate(session: Session, user: User, course: Course) -> Certificate:
    """Record a completion and a valid certificate directly (issuing is not under test)."""
    return record_certificate(session, user, course, issued=TODAY - dt.timedelta(days=3),
                              expires=TODAY + dt.timedelta(days=200))


def open_course(session: Session, user: User, course: Course) -> None:
    """The learner opened a unit of the course (and nothing more)."""
    session.add(LearnerPosition(user_id=user.id, course_id=course.id,
                                usage_id=f"block-v1:{course.slug}+type@vertical+block@u1"))
    session.flush()


def complete_a_block(session: Session, user: User, course: Course) -> None:
    """The learner completed half of one block of the course."""
    session.add(BlockCompletion(user_id=user.id, course_id=course.id, completion=0.5,
                                usage_id=f"block-v1:{course.slug}+type@lesson+block@b1"))
    session.flush()


@dataclass
class School:
    """A primary school with two classes, its people, courses and targets."""

    units: dict[str, OrgUnit]
    people: dict[str, User]
    courses: dict[str, Course]
    targets: dict[str, CoverageTarget] = field(default_factory=dict)


def build_school(session: Session, prefix: str = "GV") -> School:
    """Build the school below (``prefix`` makes codes and usernames unique).

    Sở GD-ĐT Nậm Nhùn (province, its own: no demo target reaches it)
    └── Xã Nậm Hàng → Trường Tiểu học Nậm Hàng
        2A: An (certificate), Bình (opened the course), Chi (half a block), Dũng, Em (nothing)
        3A: Giang (nothing), Hoa (certificate)
        teachers: Hạnh (homeroom 2A, certificate), Khải (teaches 2A and 3A), Lâm (no duty)
        manager: Mơ
    Sở GD-ĐT Điện Biên → Trường Tiểu học Mường Thanh, 2A: Nam; teacher Oanh (homeroom 2A)

    Targets (province): 95% of students (any student course), 100% of teachers.
    Students: 7, covered 2 (An, Hoa); 2A not started 2, in progress 2; 3A not started 1.
    Teachers: 3, covered 1 (Hạnh).
    """
    code = prefix.lower()
    units: dict[str, OrgUnit] = {}

    def unit(key: str, kind: OrgKind, parent: OrgUnit | None, name: str, **extra: object) -> None:
        units[key] = create_unit(session, kind=kind, code=f"{prefix}-{key}", name=name,
                                 parent=parent, **extra)  # type: ignore[arg-type]

    unit("province", OrgKind.PROVINCE, None, "Sở GD-ĐT Nậm Nhùn")
    unit("commune", OrgKind.COMMUNE, units["province"], "Xã Nậm Hàng")
    unit("school", OrgKind.SCHOOL, units["commune"], "Trường Tiểu học Nậm Hàng",
         school_level=SchoolLevel.PRIMARY)
    unit("2A", OrgKind.CLASS, units["school"], "2A", grade=2, school_year=SCHOOL_YEAR)
    unit("3A", OrgKind.CLASS, units["school"], "3A", grade=3, school_year=SCHOOL_YEAR)
    unit("other_province", OrgKind.PROVINCE, None, "Sở GD-ĐT Điện Biên")
    unit("other_school", OrgKind.SCHOOL, units["other_province"], "Trường Tiểu học Mường Thanh",
         school_level=SchoolLevel.PRIMARY)
    unit("other_2A", OrgKind.CLASS, units["other_school"], "2A", grade=2,
         school_year=SCHOOL_YEAR)
    session.flush()

    people: dict[str, User] = {}
    for key, role, at, name in (
        ("an", Role.STUDENT, "2A", "Lò Văn An"),
        ("binh", Role.STUDENT, "2A", "Tòng Thị Bình"),
        ("chi", Role.STUDENT, "2A", "Giàng Thị Chi"),
        ("dung", Role.STUDENT, "2A", "Vàng A Dũng"),
        ("em", Role.STUDENT, "2A", "Lý Thị Em"),
        ("giang", Role.STUDENT, "3A", "Sùng Văn Giang"),
        ("hoa", Role.STUDENT, "3A", "Hà Thị Hoa"),
        ("hanh", Role.TEACHER, "school", "Nguyễn Thị Hạnh"),
        ("khai", Role.TEACHER, "school", "Lê Văn Khải"),
        ("lam", Role.TEACHER, "school", "Phạm Văn Lâm"),
        ("mo", Role.SCHOOL_MANAGER, "school", "Hà Thị Mơ"),
        ("nam", Role.STUDENT, "other_2A", "Đỗ Văn Nam"),
        ("oanh", Role.TEACHER, "other_school", "Điêu Thị Oanh"),
    ):
        adult = role is not Role.STUDENT
        people[key] = create_user(session, username=f"{code}.{key}", full_name=name,
                                  staff_code=f"{prefix}-{key}".upper() if adult else None)
        if adult or key == "an":
            people[key].password_hash = hashed(PASSWORD)
        add_membership(session, people[key], units[at], role, school_year=SCHOOL_YEAR)
    session.flush()

    courses = {
        "k12": make_course(session, f"{code}-k12", Audience.STUDENT, (1, 2)),
        "k35": make_course(session, f"{code}-k35", Audience.STUDENT, (3, 5)),
        "adults": make_course(session, f"{code}-gv", Audience.TEACHER),
    }
    students = Requirement(code=f"{prefix}-KNS", title_vi="Kỹ năng sống và tự bảo vệ")
    students.courses = [courses["k12"], courses["k35"]]
    teachers = Requirement(code=f"{prefix}-CB", title_vi="Trường học an toàn (giáo viên)")
    teachers.courses = [courses["adults"]]
    session.add_all([students, teachers])
    session.flush()
    deadline = SchoolYear.parse(SCHOOL_YEAR).reporting_end
    school = School(units, people, courses)
    for province in ("province", "other_province"):
        school.targets[f"{province}_students"] = set_target(
            session, unit=units[province], audience=Audience.STUDENT, requirement=students,
            percent=95, school_year=SCHOOL_YEAR, deadline=deadline)
    school.targets["teachers"] = set_target(
        session, unit=units["province"], audience=Audience.TEACHER, requirement=teachers,
        percent=100, school_year=SCHOOL_YEAR, deadline=deadline)
    school.targets["students"] = school.targets["province_students"]

    give_certificate(session, people["an"], courses["k12"])
    give_certificate(session, people["hoa"], courses["k35"])
    give_certificate(session, people["hanh"], courses["adults"])
    open_course(session, people["binh"], courses["k12"])
    complete_a_block(session, people["chi"], courses["k12"])
    give_duty(session, people["hanh"], units["2A"], ClassDuty.HOMEROOM)
    give_duty(session, people["khai"], units["2A"], ClassDuty.SUBJECT)
    give_duty(session, people["khai"], units["3A"], ClassDuty.SUBJECT)
    give_duty(session, people["oanh"], units["other_2A"], ClassDuty.HOMEROOM)
    return school
