"""A small Lai Châu tree with hand-counted coverage (the figures are in SMALL_TREE.md form in
the docstring of :func:`build_small_tree`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from helpers import PASSWORD, SCHOOL_YEAR, hashed, make_course, record_certificate
from lms_module.learning.models import Audience, Course
from lms_module.obligations.models import CoverageTarget, Requirement
from lms_module.obligations.targets import set_target
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, create_user

#: Today in the app's time zone (LMS_TIMEZONE), as the pages compute it.
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
DEADLINE = dt.date(2027, 5, 31)


def days(n: int) -> dt.date:
    """TODAY shifted by ``n`` days."""
    return TODAY + dt.timedelta(days=n)


@dataclass
class SmallTree:
    units: dict[str, OrgUnit]
    users: dict[str, User]
    courses: dict[str, Course]
    student_requirement: Requirement
    adult_requirement: Requirement
    targets: dict[str, CoverageTarget] = field(default_factory=dict)


#: Certificates recorded directly (the issuing rules are not under test).
give_certificate = record_certificate


def build_small_tree(session: Session) -> SmallTree:
    """Build the tree below and give out certificates (reporting date: today).

    Sở GD-ĐT Lai Châu (province)
    ├── Huyện Tam Đường (legacy district, before 1/7/2025)
    │   └── Xã Bình Lư (commune)
    │       └── TH Bình Lư (primary)   2A: 4 students   3A: 3 students
    ├── Phường Tân Phong (commune)
    │   └── THCS Tân Phong             6A: 2 students
    └── THPT Lai Châu (directly under the province)   10A: 3 students (+1 deactivated account)
    Sở GD-ĐT Điện Biên (another province): TH Mường Thanh 4A: 1 covered student

    Students (requirement: any student course; validity checked on today):
      2A  a1 valid, issued 60 days ago (covered 4 weeks ago too)   -> covered
          a2 valid, issued 10 days ago                            -> covered
          a3 revoked                                              -> not covered
          a4 nothing                                              -> not covered
          (b1 was in 2A until moved; that membership is inactive)
      3A  b1 moved here from 2A mid-year, valid grade 1-2 cert from 40 days ago -> covered
          b2 expired yesterday (valid 4 weeks ago)                -> not covered
          b3 valid, issued 5 days ago                             -> covered
      6A  e1 valid, issued 3 days ago -> covered;  e2 nothing     -> not covered
      10A f1 valid, never expires, issued 100 days ago            -> covered
          f2 valid, issued 20 days ago                            -> covered
          f3 holds only an adult course certificate               -> not covered
          g1 deactivated account with a valid certificate         -> not in population
    Province students: population 12, covered 7, covered 4 weeks ago 4 (a1, b1, b2, f1).
      legacy district = commune = TH Bình Lư: 7 / 4;  THCS: 2 / 1;  THPT: 3 / 2.
    Teachers: t1 (TH, valid), t2 (TH, none), t3 (THPT, valid), t4 (THCS, valid) -> 4 / 3.
    Staff: s1 (TH, valid) -> 1 / 1.  Managers: m1 (TH, expired), m3 (THPT, revoked) -> 2 / 0.
    """
    def unit(
        key: str, kind: OrgKind, parent: OrgUnit | None, name: str, **extra: object
    ) -> OrgUnit:
        units[key] = create_unit(session, kind=kind, code=f"ST-{key}", name=name, parent=parent,
                                 **extra)  # type: ignore[arg-type]
        return units[key]

    units: dict[str, OrgUnit] = {}
    ministry = unit("bo", OrgKind.MINISTRY, None, "Bộ GD-ĐT")
    province = unit("province", OrgKind.PROVINCE, ministry, "Sở GD-ĐT Lai Châu")
    district = unit("district", OrgKind.LEGACY_DISTRICT, province, "Huyện Tam Đường (cũ)")
    commune = unit("commune", OrgKind.COMMUNE, district, "Xã Bình Lư")
    primary = unit("primary", OrgKind.SCHOOL, commune, "Trường Tiểu học Bình Lư",
                   school_level=SchoolLevel.PRIMARY)
    ward = unit("ward", OrgKind.COMMUNE, province, "Phường Tân Phong")
    thcs = unit("thcs", OrgKind.SCHOOL, ward, "Trường THCS Tân Phong",
                school_level=SchoolLevel.LOWER_SECONDARY)
    thpt = unit("thpt", OrgKind.SCHOOL, province, "Trường THPT Lai Châu",
                school_level=SchoolLevel.UPPER_SECONDARY)
    other = unit("other", OrgKind.PROVINCE, ministry, "Sở GD-ĐT Điện Biên")
    other_school = unit("other_school", OrgKind.SCHOOL, other, "Trường Tiểu học Mường Thanh",
                        school_level=SchoolLevel.PRIMARY)
    for key, parent, grade in (("2A", primary, 2), ("3A", primary, 3), ("6A", thcs, 6),
                               ("10A", thpt, 10), ("4A", other_school, 4)):
        unit(key, OrgKind.CLASS, parent, key, grade=grade, school_year=SCHOOL_YEAR)

    users: dict[str, User] = {}

    def person(key: str, role: Role, at: str, name: str) -> User:
        signs_in = role in (Role.OFFICE_REVIEWER, Role.ADMIN, Role.SCHOOL_MANAGER)
        user = users.get(key)
        if user is None:
            user = create_user(session, username=f"st.{key}", full_name=name)
            user.password_hash = hashed(PASSWORD) if signs_in else None
        users[key] = user
        add_membership(session, user, units[at], role, school_year=SCHOOL_YEAR)
        session.flush()
        return user

    for key, at, name in (
        ("a1", "2A", "Lò Thị An"), ("a2", "2A", "Tòng Văn Bình"), ("a3", "2A", "Giàng A Của"),
        ("a4", "2A", "Vàng Thị Dung"), ("b1", "2A", "Sùng Seo Em"), ("b2", "3A", "Lý Thị Giang"),
        ("b3", "3A", "Đèo Văn Hải"), ("e1", "6A", "Quàng Thị Khuyên"),
        ("e2", "6A", "Bùi Văn Long"), ("f1", "10A", "Phạm Thị Mai"), ("f2", "10A", "Vũ Văn Nam"),
        ("f3", "10A", "Đặng Thị Oanh"), ("g1", "10A", "Hoàng Văn Phúc"),
        ("h1", "4A", "Trần Thị Quý"),
    ):
        person(key, Role.STUDENT, at, name)
    # b1 changed class in the middle of the year: 2A -> 3A.
    for membership in users["b1"].memberships:
        membership.active = False
    person("b1", Role.STUDENT, "3A", "Sùng Seo Em")
    users["g1"].active = False
    for key, role, at, name in (
        ("t1", Role.TEACHER, "primary", "Nguyễn Thị Thu"),
        ("t2", Role.TEACHER, "primary", "Lê Văn Tuấn"),
        ("t3", Role.TEACHER, "thpt", "Trần Minh Tâm"),
        ("t4", Role.TEACHER, "thcs", "Đỗ Thị Uyên"),
        ("s1", Role.STAFF, "primary", "Phạm Văn Sơn"),
        ("m1", Role.SCHOOL_MANAGER, "primary", "Hà Thị Mơ"),
        ("m3", Role.SCHOOL_MANAGER, "thpt", "Lương Văn Mạnh"),
        ("reviewer", Role.OFFICE_REVIEWER, "province", "Đỗ Thị Thanh Hương"),
        ("ward_reviewer", Role.OFFICE_REVIEWER, "ward", "Lò Văn Khiêm"),
        ("admin", Role.ADMIN, "province", "Quản trị"),
    ):
        person(key, role, at, name)

    courses = {
        "k12": make_course(session, "st-k12", Audience.STUDENT, (1, 2)),
        "k35": make_course(session, "st-k35", Audience.STUDENT, (3, 5)),
        "k69": make_course(session, "st-k69", Audience.STUDENT, (6, 9)),
        "k1012": make_course(session, "st-k1012", Audience.STUDENT, (10, 12)),
        "adult": make_course(session, "st-adult", Audience.TEACHER),
    }
    soon = days(300)
    for key, course, issued, expires, revoked in (
        ("a1", "k12", -60, soon, False), ("a2", "k12", -10, soon, False),
        ("a3", "k12", -30, soon, True), ("b1", "k12", -40, soon, False),
        ("b2", "k35", -200, days(-1), False), ("b3", "k35", -5, soon, False),
        ("e1", "k69", -3, soon, False), ("f1", "k1012", -100, None, False),
        ("f2", "k1012", -20, soon, False), ("f3", "adult", -20, soon, False),
        ("g1", "k1012", -20, soon, False), ("h1", "k35", -20, soon, False),
        ("t1", "adult", -50, soon, False), ("t3", "adult", -15, soon, False),
        ("t4", "adult", -2, soon, False), ("s1", "adult", -9, soon, False),
        ("m1", "adult", -400, days(-30), False), ("m3", "adult", -10, soon, True),
    ):
        give_certificate(session, users[key], courses[course], issued=days(issued),
                         expires=expires, revoked=revoked)
    student_requirement = Requirement(code="ST-KNS", title_vi="Kỹ năng sống và tự bảo vệ")
    student_requirement.courses = [courses[k] for k in ("k12", "k35", "k69", "k1012")]
    adult_requirement = Requirement(code="ST-CB", title_vi="Trường học an toàn (cán bộ)")
    adult_requirement.courses = [courses["adult"]]
    session.add_all([student_requirement, adult_requirement])
    session.flush()
    tree = SmallTree(units, users, courses, student_requirement, adult_requirement)
    tree.targets["student"] = set_target(
        session, unit=province, audience=Audience.STUDENT, requirement=student_requirement,
        percent=95, school_year=SCHOOL_YEAR, deadline=DEADLINE, source="Kế hoạch 675/KH-UBND")
    for audience in (Audience.TEACHER, Audience.STAFF, Audience.MANAGER):
        tree.targets[audience.value] = set_target(
            session, unit=province, audience=audience, requirement=adult_requirement,
            percent=100, school_year=SCHOOL_YEAR, deadline=DEADLINE)
    session.flush()
    return tree


def active_student_memberships(session: Session, user: User) -> list[Membership]:
    return [m for m in user.memberships if m.active and m.role is Role.STUDENT]


def export_report(
    client: FlaskClient, unit_id: int, fmt: str, query: dict[str, object] | None = None
) -> TestResponse:
    """Download a coverage report as the dashboard's button does: at once for a small unit;
    for a province, through the job's start page, the job's page and its download link (no
    queue in these tests: the job ran in the request that started it)."""
    url = f"/units/{unit_id}/coverage/report.{fmt}"
    response = client.get(url, query_string=query or {})
    if response.status_code != 200 or response.mimetype != "text/html":
        return response
    page = response.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, "the export page has no start button"
    started = client.post(url, query_string=query or {}, data={"csrf_token": token.group(1)})
    assert started.status_code == 302, started.status_code
    job_page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/jobs/\d+/file)"', job_page)
    assert link, "the job page offers no download"
    return client.get(link.group(1))
