"""One model of who must train: the training-status page, the coverage page and the learner's
home read the same obligations, so they name the same people as not yet covered."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections import Counter
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers import SCHOOL_YEAR, make_course, record_certificate, sign_in
from lms_module.coverage.figures import target_report
from lms_module.demo.services import DEMO_PASSWORD
from lms_module.learning.models import Audience, Course
from lms_module.obligations.models import Assignment, CoverageTarget, Requirement
from lms_module.obligations.query import obligations
from lms_module.obligations.targets import set_target
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import unit_by_code
from lms_module.people.models import Role, User
from lms_module.people.services import user_by_username
from lms_module.school_years.year import SchoolYear

#: Today in LMS_TIMEZONE, as the pages compute it.
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
DEADLINE = SchoolYear.parse(SCHOOL_YEAR).reporting_end
#: The training-status page's labels of the people not covered (due, overdue, expired).
NOT_COVERED_LABELS = {"Cần hoàn thành", "Quá hạn", "Đã hết hạn"}


def _certificate(db: Session, user: User, course: Course, *, issued_days_ago: int,
                 expires: dt.date | None, revoked: bool = False) -> None:
    record_certificate(db, user, course, issued=TODAY - dt.timedelta(days=issued_days_ago),
                       expires=expires, revoked=revoked)


def _table_rows(page: str) -> list[list[str]]:
    """Return the text of each body row's cells."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
                     for c in cells])
    return rows


def _not_covered_on_training_status(
    client: FlaskClient, school: OrgUnit
) -> Counter[tuple[str, str, str]]:
    """(title of what is due, name, class or unit) of everyone the training-status page lists
    as not covered (a Counter: two people may share a name)."""
    page = client.get(f"/units/{school.id}/training-status")
    assert page.status_code == 200
    return Counter((title, name, unit) for label, name, unit, title, _due, _expiry
                   in _table_rows(page.get_data(as_text=True)) if label in NOT_COVERED_LABELS)


def _uncovered_on_coverage_page(
    client: FlaskClient, school: OrgUnit, target: CoverageTarget
) -> Counter[tuple[str, str, str]]:
    """(requirement title, name, class or unit) of the coverage page's list of a target."""
    page = client.get(f"/units/{school.id}/coverage/uncovered?target={target.id}")
    assert page.status_code == 200
    title = target.requirement.title("vi")
    rows = [row for row in _table_rows(page.get_data(as_text=True)) if len(row) == 3]
    return Counter((title, name, unit) for name, _code, unit in rows)


def _school(db, make_unit, make_user):
    """A primary school (2A and 4A) under a commune of a province, with its people,
    certificates, and targets for students (province) and teachers (school)."""
    province = make_unit(OrgKind.PROVINCE, name="Sở GD-ĐT Lai Châu")
    commune = make_unit(OrgKind.COMMUNE, province, name="Xã Nậm Tăm")
    school = make_unit(OrgKind.SCHOOL, commune, name="Trường Tiểu học Nậm Tăm",
                       school_level=SchoolLevel.PRIMARY)
    second = make_unit(OrgKind.CLASS, school, name="2A", grade=2)
    fourth = make_unit(OrgKind.CLASS, school, name="4A", grade=4)
    people = {
        "an": make_user(Role.STUDENT, second, full_name="Lò Văn An"),
        "binh": make_user(Role.STUDENT, second, full_name="Tòng Thị Bình"),
        "chi": make_user(Role.STUDENT, second, full_name="Giàng Thị Chi"),
        "dung": make_user(Role.STUDENT, fourth, full_name="Vàng A Dũng"),
        "em": make_user(Role.STUDENT, fourth, full_name="Lý Thị Em"),
        "giang": make_user(Role.STUDENT, fourth, full_name="Sùng Văn Giang"),
        "teacher_done": make_user(Role.TEACHER, school, full_name="Nguyễn Thị Hạnh"),
        "teacher_due": make_user(Role.TEACHER, school, full_name="Lê Văn Khải"),
        "staff": make_user(Role.STAFF, school, full_name="Phạm Văn Lâm"),
        "manager": make_user(Role.SCHOOL_MANAGER, school, full_name="Hà Thị Mơ"),
    }
    grade_1_2 = make_course(db, "ob-k12", Audience.STUDENT, (1, 2))
    grade_3_5 = make_course(db, "ob-k35", Audience.STUDENT, (3, 5))
    adults = make_course(db, "ob-cb", Audience.TEACHER)
    far = TODAY + dt.timedelta(days=300)
    _certificate(db, people["an"], grade_1_2, issued_days_ago=20, expires=far)
    _certificate(db, people["chi"], grade_1_2, issued_days_ago=400,
                 expires=TODAY - dt.timedelta(days=1))
    _certificate(db, people["dung"], grade_3_5, issued_days_ago=5, expires=far)
    _certificate(db, people["em"], grade_3_5, issued_days_ago=5, expires=far, revoked=True)
    _certificate(db, people["giang"], grade_1_2, issued_days_ago=30, expires=None)  # old band
    _certificate(db, people["teacher_done"], adults, issued_days_ago=9, expires=far)
    students = Requirement(code="OB-KNS", title_vi="Kỹ năng sống và tự bảo vệ")
    students.courses = [grade_1_2, grade_3_5]
    teachers = Requirement(code="OB-CB", title_vi="Trường học an toàn (giáo viên)")
    teachers.courses = [adults]
    db.add_all([students, teachers])
    db.flush()
    targets = {
        "students": set_target(db, unit=province, audience=Audience.STUDENT,
                               requirement=students, percent=95, school_year=SCHOOL_YEAR,
                               deadline=DEADLINE),
        "teachers": set_target(db, unit=school, audience=Audience.TEACHER,
                               requirement=teachers, percent=100, school_year=SCHOOL_YEAR,
                               deadline=DEADLINE),
    }
    return school, people, targets


def test_training_status_and_coverage_name_the_same_people_as_not_covered(
    db, make_unit, make_user, login
):
    school, people, targets = _school(db, make_unit, make_user)
    client = login(people["manager"])

    on_status_page = _not_covered_on_training_status(client, school)
    assert on_status_page == Counter({
        ("Kỹ năng sống và tự bảo vệ", "Tòng Thị Bình", "2A"): 1,  # nothing
        ("Kỹ năng sống và tự bảo vệ", "Giàng Thị Chi", "2A"): 1,  # expired yesterday
        ("Kỹ năng sống và tự bảo vệ", "Lý Thị Em", "4A"): 1,  # revoked
        ("Trường học an toàn (giáo viên)", "Lê Văn Khải", school.name): 1,
    })
    on_coverage_page: Counter[tuple[str, str, str]] = Counter()
    for target in targets.values():
        listed = _uncovered_on_coverage_page(client, school, target)
        figures = target_report(db, target, school, TODAY).figures
        assert figures.uncovered == listed.total()
        on_coverage_page += listed
    assert on_coverage_page == on_status_page
    dashboard = client.get(f"/units/{school.id}/coverage").get_data(as_text=True)
    assert "3/6 người có chứng nhận còn hiệu lực" in dashboard  # An, Dũng, Giang
    assert "1/2 người có chứng nhận còn hiệu lực" in dashboard
    # Staff and the manager have no target here: no one obliges them to anything.
    assert all(name not in ("Phạm Văn Lâm", "Hà Thị Mơ") for _title, name, _unit in on_status_page)
    status_page = client.get(f"/units/{school.id}/training-status").get_data(as_text=True)
    assert "Không có ai cần nhắc" not in status_page
    assert "Đã có chứng nhận: <strong>4</strong>" in status_page  # An, Dũng, Giang, Hạnh


def test_an_assignment_adds_its_course_and_the_earliest_deadline_wins(
    db, make_unit, make_user, login
):
    school, people, targets = _school(db, make_unit, make_user)
    staff_course = db.scalars(select(Course).where(Course.slug == "ob-cb")).one()
    db.add_all([
        Assignment(course_id=staff_course.id, org_unit_id=school.id, role=Role.STAFF,
                   due_on=TODAY - dt.timedelta(days=3)),
        # The teachers' requirement assigned again, due earlier than the target.
        Assignment(course_id=staff_course.id, requirement_id=targets["teachers"].requirement_id,
                   org_unit_id=school.id, role=Role.TEACHER, due_on=TODAY + dt.timedelta(days=7)),
        # A grade band that leaves grade 2 out.
        Assignment(course_id=staff_course.id, org_unit_id=school.id, role=Role.STUDENT,
                   grade_min=3, grade_max=5, due_on=DEADLINE),
    ])
    db.flush()
    found = {(o.full_name, o.title("vi")): o
             for o in obligations(db, school_year=SCHOOL_YEAR, today=TODAY, within=school)}
    assert found[("Phạm Văn Lâm", "Khóa ob-cb")].due_on == TODAY - dt.timedelta(days=3)
    assert not found[("Phạm Văn Lâm", "Khóa ob-cb")].covered
    khai = found[("Lê Văn Khải", "Trường học an toàn (giáo viên)")]
    assert khai.due_on == min(TODAY + dt.timedelta(days=7), DEADLINE)
    assert {name for name, title in found if title == "Khóa ob-cb"} == {
        "Phạm Văn Lâm", "Vàng A Dũng", "Lý Thị Em", "Sùng Văn Giang"}
    client = login(people["manager"])
    listed = _not_covered_on_training_status(client, school)
    assert ("Khóa ob-cb", "Phạm Văn Lâm", school.name) in listed
    # The coverage page still counts the target's audience only, with the same verdicts.
    assert _uncovered_on_coverage_page(client, school, targets["teachers"]) == Counter(
        {("Trường học an toàn (giáo viên)", "Lê Văn Khải", school.name): 1})


def test_the_learner_sees_what_to_complete_by_when_on_the_home_page(
    db, make_unit, make_user, client
):
    _school_unit, people, _targets = _school(db, make_unit, make_user)
    assert sign_in(client, people["binh"].username).status_code == 302
    home = client.get("/").get_data(as_text=True)
    due = _table_rows(home.split('id="due-heading"', 1)[1])
    # The requirement, with the course of the learner's grade that meets it.
    assert due == [["Kỹ năng sống và tự bảo vệ Khóa ob-k12", DEADLINE.strftime("%d/%m/%Y"),
                    "Cần hoàn thành" if TODAY <= DEADLINE else "Quá hạn"]]
    assert 'href="/courses/ob-k12"' in home
    other = client.application.test_client()
    assert sign_in(other, people["an"].username).status_code == 302
    home = other.get("/").get_data(as_text=True)
    assert _table_rows(home.split('id="due-heading"', 1)[1])[0][2] == "Đã có chứng nhận"


def test_on_the_demo_both_pages_name_the_same_people(runner, db, make_app):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    school = unit_by_code(db, "DEMO-TH-TP")
    assert school is not None
    # The demo's classes and targets are of the school year today falls in.
    year = str(SchoolYear.containing(TODAY))
    client = make_app(LMS_SCHOOL_YEAR=year).test_client()
    assert sign_in(client, "ql.thtp", DEMO_PASSWORD).status_code == 302
    on_status_page = _not_covered_on_training_status(client, school)
    # The targets of people: the families' target counts families, which the coverage page
    # names family by family and the training-status page (people) does not list.
    targets = db.scalars(
        select(CoverageTarget).where(CoverageTarget.school_year == year,
                                     CoverageTarget.audience != Audience.PARENT)
    ).all()
    assert len(targets) == 4
    on_coverage_page: Counter[tuple[str, str, str]] = Counter()
    uncovered = 0
    for target in targets:
        on_coverage_page += _uncovered_on_coverage_page(client, school, target)
        uncovered += target_report(db, target, school, TODAY).figures.uncovered
    # The training-status page also lists what assignments ask (the demo's staff course, due
    # 30 days after joining), which no target counts: compare what the targets ask.
    titles = {target.requirement.title("vi") for target in targets}
    assigned = Counter({row: n for row, n in on_status_page.items() if row[0] not in titles})
    staff = user_by_username(db, "nv.thtp")
    assert staff is not None and [row[1] for row in assigned] == [staff.full_name]
    on_status_page -= assigned
    assert on_status_page == on_coverage_page
    assert on_status_page.total() == uncovered > 0
    # Students, teachers, staff and the manager all have something to do.
    assert {title for title, _name, _unit in on_status_page} == titles
