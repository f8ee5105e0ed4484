"""Build a realistic demo: Lai Châu province, its communes, schools of every level, people,
and the curriculum (every course folder shipped in ``courses/content/``)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy.orm import Session

import courses.content
from courses.content import SAMPLE_COURSE
from lms_module.i18n import local_today
from lms_module.learning.course_loader import ImportReport, load_course
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit, unit_by_code
from lms_module.people.models import ClassDuty, Role, TeachingAssignment, User
from lms_module.people.services import (
    add_membership,
    create_user,
    password_hash,
    user_by_username,
)
from lms_module.school_years.year import SchoolYear

DEMO_PASSWORD = "hoc-an-toan-2026"  # noqa: S105 (printed for demo sign-ins)
PROVINCE_CODE = "DEMO-LC"

FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Lò", "Tòng", "Giàng",
                "Vàng", "Lý", "Sùng", "Đèo", "Quàng", "Bùi"]
MIDDLE_NAMES = ["Thị", "Văn", "Minh", "Ngọc", "Thu", "Đức", "Hữu", "Mai", "A", "Seo", "Thanh"]
GIVEN_NAMES = ["Hoa", "Lan", "Mai", "Dũng", "Hùng", "Tú", "Vy", "Ỹ", "Ưng", "Phương", "Sính",
               "Chứ", "Pà", "Dế", "Quỳnh", "Long", "Ánh", "Khánh", "Nhung", "Sơn", "Tâm", "Yến"]


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to print: its role, username and where it belongs (with what to try)."""

    role_label: str
    username: str
    where: str


@dataclass(frozen=True)
class DemoAccount:
    """A demo sign-in: its role, username and the state the demo leaves it in."""

    role_label: str
    username: str
    note: str = ""


@dataclass(frozen=True)
class SchoolPlan:
    """A demo school: code, name, level, grades taught, where it hangs."""

    code: str
    name: str
    level: SchoolLevel
    grades: tuple[int, ...]
    parent_code: str


COMMUNES = [
    ("DEMO-LC-TP", "Phường Tân Phong"),
    ("DEMO-LC-DK", "Phường Đoàn Kết"),
    ("DEMO-LC-TD", "Xã Tam Đường"),
    ("DEMO-LC-SH", "Xã Sìn Hồ"),
]
LEGACY_DISTRICT = ("DEMO-LC-H-TD", "Huyện Tam Đường (trước 1/7/2025)")
SCHOOLS = [
    SchoolPlan("DEMO-MN-TP", "Trường Mầm non Tân Phong", SchoolLevel.PRESCHOOL, (), "DEMO-LC-TP"),
    SchoolPlan("DEMO-TH-TP", "Trường Tiểu học Tân Phong", SchoolLevel.PRIMARY, (1, 2, 3, 4, 5),
               "DEMO-LC-TP"),
    SchoolPlan("DEMO-THCS-DK", "Trường THCS Đoàn Kết", SchoolLevel.LOWER_SECONDARY, (6, 7, 8, 9),
               "DEMO-LC-DK"),
    SchoolPlan("DEMO-LC-SH-PTDTBT", "Trường PTDTBT Tiểu học và THCS Sìn Hồ",
               SchoolLevel.MULTI_LEVEL, (1, 3, 5, 7, 9), "DEMO-LC-SH"),
    SchoolPlan("DEMO-THCS-TD", "Trường THCS Tam Đường", SchoolLevel.LOWER_SECONDARY, (6, 8),
               "DEMO-LC-TD"),
    # Formerly in Huyện Tam Đường; the district was abolished on 1/7/2025, so its schools
    # now answer to the commune (the legacy district holds no school in the current year).
    SchoolPlan("DEMO-TH-BL", "Trường Tiểu học Bình Lư", SchoolLevel.PRIMARY, (2, 4),
               "DEMO-LC-TD"),
    SchoolPlan("DEMO-THPT-LC", "Trường THPT Thành phố Lai Châu", SchoolLevel.UPPER_SECONDARY,
               (10, 11, 12), PROVINCE_CODE),
    SchoolPlan("DEMO-GDTX-LC", "Trung tâm GDNN-GDTX tỉnh Lai Châu", SchoolLevel.CONTINUING,
               (10, 11, 12), PROVINCE_CODE),
]
STUDENTS_PER_CLASS = 12
#: Where the shipped course folders live (each has a ``course.xml``).
CONTENT_DIR = Path(courses.content.__file__).parent


def curriculum_folders(content_dir: Path = CONTENT_DIR) -> list[Path]:
    """Return the course folders of the curriculum, by name.

    ``sample/`` is left out: it is the runtime's test fixture, a second grades 1-2 course
    that would stand beside the real one in the students' list.
    """
    return sorted(
        folder
        for folder in content_dir.iterdir()
        if (folder / "course.xml").is_file() and folder.resolve() != SAMPLE_COURSE.resolve()
    )


def load_curriculum(session: Session, content_dir: Path = CONTENT_DIR) -> list[ImportReport]:
    """Load every curriculum course; an unchanged course keeps its version (idempotent).

    :raises OlxError: when a course folder cannot be loaded (the caller rolls back).
    """
    return [load_course(session, folder) for folder in curriculum_folders(content_dir)]


def build_demo(session: Session) -> list[DemoLogin]:
    """Create the demo tree and people unless they exist, load the curriculum (new versions
    only for changed courses) and return the demo sign-ins."""
    if unit_by_code(session, PROVINCE_CODE) is None:
        _build(session, random.Random(2026))  # noqa: S311 (demo names, not secrets)
    load_curriculum(session)
    return demo_logins(session)


def _build(session: Session, rng: random.Random) -> None:
    school_year = SchoolYear.containing(local_today())
    year = str(school_year)
    ministry = unit_by_code(session, "DEMO-BGDDT") or create_unit(
        session, kind=OrgKind.MINISTRY, code="DEMO-BGDDT", name="Bộ Giáo dục và Đào tạo"
    )
    province = create_unit(
        session, kind=OrgKind.PROVINCE, code=PROVINCE_CODE, name="Sở GD-ĐT Lai Châu",
        parent=ministry,
    )
    units: dict[str, OrgUnit] = {PROVINCE_CODE: province}
    legacy = create_unit(
        session, kind=OrgKind.LEGACY_DISTRICT, code=LEGACY_DISTRICT[0], name=LEGACY_DISTRICT[1],
        parent=province,
    )
    units[legacy.code] = legacy
    for code, name in COMMUNES:
        units[code] = create_unit(
            session, kind=OrgKind.COMMUNE, code=code, name=name, parent=province
        )
    admin = _account(session, "admin", "Quản trị hệ thống", password=True)
    add_membership(session, admin, province, Role.ADMIN)
    reviewer = _account(session, "so.laichau", "Đỗ Thị Thanh Hương", password=True)
    add_membership(session, reviewer, province, Role.OFFICE_REVIEWER)
    commune_reviewer = _account(session, "xa.tamduong", "Lò Văn Khiêm", password=True)
    add_membership(session, commune_reviewer, units["DEMO-LC-TD"], Role.OFFICE_REVIEWER)

    student_number = 0
    for plan in SCHOOLS:
        school = create_unit(
            session, kind=OrgKind.SCHOOL, code=plan.code, name=plan.name,
            parent=units[plan.parent_code], school_level=plan.level,
        )
        slug = plan.code.removeprefix("DEMO-").lower().replace("-", "")
        manager = _account(session, f"ql.{slug}", _name(rng), password=True, staff=True)
        add_membership(session, manager, school, Role.SCHOOL_MANAGER, school_year=year)
        for index in range(1, 4):
            teacher = _account(
                session, f"gv{index}.{slug}", _name(rng), password=index <= 2, staff=True
            )
            add_membership(session, teacher, school, Role.TEACHER, school_year=year)
        staff = _account(session, f"nv.{slug}", _name(rng), password=True, staff=True)
        add_membership(session, staff, school, Role.STAFF, school_year=year)
        for grade in plan.grades:
            class_unit = create_unit(
                session, kind=OrgKind.CLASS, code=f"{plan.code}-{school_year.start}-{grade}A",
                name=f"{grade}A", parent=school, grade=grade, school_year=year,
            )
            for seat in range(STUDENTS_PER_CLASS):
                student_number += 1
                code = f"0120{student_number:08d}"
                username = f"hs.{slug}.{grade}" if seat == 0 else code
                student = _account(
                    session, username, _name(rng), password=seat == 0, student_code=code
                )
                add_membership(session, student, class_unit, Role.STUDENT, school_year=year)
    session.flush()
    _add_homeroom(session, year)


#: The demo's homeroom teacher (GVCN) and their class: (username, class code without the year).
HOMEROOM = ("gv1.thtp", "DEMO-TH-TP", 2)


def _add_homeroom(session: Session, year: str) -> None:
    """Make the demo teacher the homeroom teacher of grade 2A (the class of ``hs.thtp.2``)."""
    username, school_code, grade = HOMEROOM
    teacher = user_by_username(session, username)
    class_unit = unit_by_code(
        session, f"{school_code}-{SchoolYear.parse(year).start}-{grade}A"
    )
    if teacher is not None and class_unit is not None:
        session.add(TeachingAssignment(user_id=teacher.id, class_unit_id=class_unit.id,
                                       school_year=year, duty=ClassDuty.HOMEROOM))
        session.flush()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY_NAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


def _account(
    session: Session,
    username: str,
    full_name: str,
    *,
    password: bool = False,
    staff: bool = False,
    student_code: str | None = None,
) -> User:
    user = create_user(
        session,
        username=username,
        full_name=full_name,
        student_code=student_code,
        staff_code=f"CB-{username}"[:20] if staff else None,
    )
    if password:
        user.password_hash = demo_password_hash()
    return user


@cache
def demo_password_hash() -> str:
    """Return one hash of :data:`DEMO_PASSWORD` for every demo account of this process.

    The password is printed for everyone, so one salt for all demo accounts gives nothing
    away, and the demo does not spend a tenth of a second of scrypt on each of its accounts.
    """
    return password_hash(DEMO_PASSWORD)


NOT_STARTED = "chưa bắt đầu"
FINISHED = "đã hoàn thành"
#: The demo sign-ins, as printed and listed in the README ("Tài khoản demo"): a student and
#: adults who have not started beside some who have finished (certification/demo.py), the
#: manager of every school whose students are listed, and an untouched teacher who is also
#: the homeroom teacher of the grade-2 student's class.
DEMO_ACCOUNTS = [
    DemoAccount("Quản trị (tỉnh)", "admin"),
    DemoAccount("Cán bộ Sở GD-ĐT", "so.laichau"),
    DemoAccount("Cán bộ xã", "xa.tamduong"),
    DemoAccount("Cán bộ quản lý trường", "ql.thtp", FINISHED),
    DemoAccount("Giáo viên chủ nhiệm lớp 2A", "gv1.thtp", NOT_STARTED),
    DemoAccount("Giáo viên", "gv2.thtp", FINISHED),
    DemoAccount("Nhân viên", "nv.thtp", NOT_STARTED),
    DemoAccount("Học sinh lớp 2", "hs.thtp.2", NOT_STARTED),
    DemoAccount("Học sinh lớp 4", "hs.thtp.4", FINISHED),
    DemoAccount("Cha mẹ của hai em lớp 2 và lớp 4", "ph.thtp", NOT_STARTED),
    DemoAccount("Cán bộ quản lý trường", "ql.lcshptdtbt"),
    DemoAccount("Học sinh lớp 7", "hs.lcshptdtbt.7", NOT_STARTED),
    DemoAccount("Cán bộ quản lý trường", "ql.thptlc"),
    DemoAccount("Học sinh lớp 11", "hs.thptlc.11", FINISHED),
]


def demo_logins(session: Session) -> list[DemoLogin]:
    """The demo sign-ins that exist, each with the unit it belongs to (a student's school)."""
    logins = []
    for account in DEMO_ACCOUNTS:
        user = user_by_username(session, account.username)
        if user is None:
            continue
        memberships = [m for m in user.memberships if m.active]
        unit = memberships[0].org_unit if memberships else None
        if unit is not None and unit.kind is OrgKind.CLASS and unit.parent is not None:
            unit = unit.parent
        where = unit.name if unit is not None else ""
        logins.append(DemoLogin(account.role_label, account.username,
                                f"{where} ({account.note})" if account.note else where))
    return logins
