"""Staff training held in person (tập huấn trực tiếp): a school manager ticks who came from the
school's roster of teachers; attendance completes the course with the session's periods, a
certificate when the session gives one; the BDTX page and workbook count the periods with
their source; the attendance sheet prints as a PDF in the school's name; refusals answer in
Vietnamese and write nothing."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from in_person_support import CLOCK, HELD_ON, count
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select
from teaching import TODAY

from helpers import SCHOOL_YEAR, csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.certification.models import Certificate
from lms_module.certification.statuses import in_service_periods
from lms_module.coverage.figures import ReportScope, direct_subtree_figures
from lms_module.in_person.models import InPersonSession
from lms_module.in_person.services import InPersonError, add_meeting_attendee, record_session
from lms_module.learning.models import Audience, Completion
from lms_module.obligations.query import training_statuses
from lms_module.obligations.statuses import TrainingStatus
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user

PLACE = "Hội trường nhà trường"
FACILITATOR = "Trần Văn Quang, Phòng VH-XH"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def pdf_text(data: bytes) -> str:
    pages = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(pages.split())  # a long cell wraps: one space for every line break


@pytest.fixture
def teachers(db, world):
    """The school's five teachers: Hạnh (certified online before), Khải, Lâm and two more;
    the teachers' course gives 10 periods."""
    world.teachers_course.credit_periods = 10
    for key, name in (("nga", "Quàng Thị Ngà"), ("phuong", "Lò Văn Phương")):
        world.school.people[key] = create_user(db, username=f"ip.{key}", full_name=name,
                                               staff_code=f"IP-{key.upper()}")
        add_membership(db, world[key], world["school"], Role.TEACHER, school_year=SCHOOL_YEAR)
    db.flush()
    return ["hanh", "khai", "lam", "nga", "phuong"]


def post_training(client, world, **fields):
    """Send the staff record form of the school as a browser does."""
    path = f"/units/{world['school'].id}/in-person/new?audience=teacher"
    data = {"csrf_token": csrf_token_from(client, path), "held_on": HELD_ON.isoformat(),
            "place": PLACE, "facilitator": FACILITATOR,
            "course": str(world.teachers_course.id), **fields}
    return client.post(path, data=data, content_type="multipart/form-data")


def training(db, world, keys, **changes):
    details = dict(
        unit=world["school"], course=world.teachers_course, held_on=HELD_ON, place=PLACE,
        facilitator=FACILITATOR, recorded_by=world["mo"],
        attendee_ids=[world[key].id for key in keys], clock=CLOCK,
    )
    return record_session(db, **(details | changes))


def certificates_of(db, world, key):
    return db.scalars(select(Certificate).where(
        Certificate.user_id == world[key].id, Certificate.course_id == world.teachers_course.id
    )).all()


def test_three_of_five_teachers_ticked_get_completions_and_certificates_with_its_periods(
    client, login, db, world, teachers
):
    login(world["mo"])
    page = text(client.get(f"/units/{world['school'].id}/in-person/new?audience=teacher"))
    assert all(world[key].full_name in page for key in teachers)
    assert "10 tiết" in page  # the course's periods beside its name
    response = post_training(client, world, credit_periods="8",
                             attendee=[str(world[k].id) for k in ("khai", "nga", "phuong")])
    assert response.status_code == 302, text(response)
    record = db.scalars(select(InPersonSession)).one()
    assert (record.credit_periods, record.issue_certificates) == (8, True)
    for key in ("khai", "nga", "phuong"):
        completion = db.scalars(select(Completion).where(
            Completion.user_id == world[key].id)).one()
        assert completion.in_person_session_id == record.id
        (certificate,) = certificates_of(db, world, key)
        assert certificate.credit_periods == 8
        assert certificate.issued_on == HELD_ON
        assert certificate.org_unit_id == world["school"].id
    for key in ("lam",):
        assert certificates_of(db, world, key) == []
    assert count(db, Completion, Completion.in_person_session_id == record.id) == 3
    detail = text(client.get(response.headers["Location"]))
    assert "8 tiết" in detail and "Cấp cho mỗi người có mặt" in detail


def test_left_empty_the_periods_are_the_courses(db, world, teachers):
    training(db, world, ["lam"])
    (certificate,) = certificates_of(db, world, "lam")
    assert certificate.credit_periods == 10


def test_a_training_without_certificates_completes_the_course_and_does_not_cover(
    client, login, db, world, teachers
):
    requirement = world.school.targets["teachers"].requirement
    scope = ReportScope(requirement.id, SCHOOL_YEAR, Audience.TEACHER)
    before = direct_subtree_figures(db, world["school"], scope, TODAY)
    login(world["mo"])
    response = post_training(client, world, no_certificates="y",
                             attendee=[str(world[k].id) for k in ("khai", "lam", "nga")])
    assert response.status_code == 302, text(response)
    record = db.scalars(select(InPersonSession)).one()
    assert record.issue_certificates is False
    assert count(db, Completion, Completion.in_person_session_id == record.id) == 3
    assert count(db, Certificate, Certificate.course_id == world.teachers_course.id,
                 Certificate.user_id.in_([world[k].id for k in ("khai", "lam", "nga")])) == 0
    # Coverage counts valid certificates (one rule): attending without one does not cover.
    after = direct_subtree_figures(db, world["school"], scope, TODAY)
    assert (after.population, after.covered) == (before.population, before.covered)
    statuses: dict[int, set[TrainingStatus]] = {}
    for row in training_statuses(db, within=world["school"], school_year=SCHOOL_YEAR,
                                 today=TODAY, expiring_window_days=60):
        statuses.setdefault(row.obligation.user_id, set()).add(row.status)
    assert TrainingStatus.CERTIFIED not in statuses[world["khai"].id]
    assert statuses[world["hanh"].id] == {TrainingStatus.CERTIFIED}
    assert "Không cấp" in text(client.get(response.headers["Location"]))


def test_the_bdtx_page_and_workbook_count_the_sessions_periods_with_their_source(
    client, login, db, world, teachers
):
    training(db, world, ["khai"], credit_periods=6)
    training(db, world, ["lam"], credit_periods=4, issue_certificates=False,
             place="Phòng họp")
    records = {r.full_name: r for r in in_service_periods(db, world["school"], SCHOOL_YEAR)}
    khai, lam = records["Lê Văn Khải"], records["Phạm Văn Lâm"]
    assert khai.periods == 6 and khai.courses[0].place == PLACE
    assert khai.courses[0].serial is not None
    assert lam.periods == 4
    assert (lam.courses[0].place, lam.courses[0].serial, lam.courses[0].day) == (
        "Phòng họp", None, HELD_ON)
    db.commit()
    login(world["mo"])
    page = text(client.get(f"/units/{world['school'].id}/in-service",
                           query_string={"year": SCHOOL_YEAR}))
    day = HELD_ON.strftime("%d/%m/%Y")
    assert f"tập huấn trực tiếp ngày {day} tại Phòng họp" in page
    response = client.get(f"/units/{world['school'].id}/in-service.xlsx",
                          query_string={"year": SCHOOL_YEAR})
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    by_name = {row[1]: row for row in rows if row and isinstance(row[0], int)}
    assert by_name["Phạm Văn Lâm"][4] == 4 and by_name["Phạm Văn Lâm"][6] == 116
    assert f"tập huấn trực tiếp ngày {day} tại Phòng họp, không cấp giấy chứng nhận" in (
        by_name["Phạm Văn Lâm"][7])
    assert by_name["Lê Văn Khải"][4] == 6


def test_the_sheet_after_the_session_lists_the_attendees_under_the_schools_header(
    client, login, db, world, teachers
):
    record = training(db, world, ["khai", "nga"], credit_periods=8)
    db.commit()
    login(world["mo"])
    response = client.get(
        f"/units/{world['school'].id}/in-person/{record.id}/attendance-sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    printed = pdf_text(response.data)
    assert "TRƯỜNG TIỂU HỌC NẬM HÀNG" in printed
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in printed
    assert "DANH SÁCH KÝ TÊN THAM DỰ" in printed
    assert "Lê Văn Khải" in printed and "Quàng Thị Ngà" in printed
    assert "Phạm Văn Lâm" not in printed
    assert PLACE in printed and "8 tiết" in printed and HELD_ON.strftime("%d/%m/%Y") in printed
    event = db.scalars(select(AuditEvent).where(
        AuditEvent.action == "in_person_attendance_sheet_printed")).one()
    assert (event.actor_id, event.detail["session_id"]) == (world["mo"].id, record.id)


def test_the_sheet_before_the_session_lists_every_teacher_with_blank_details(
    client, login, db, world, teachers
):
    db.commit()
    login(world["mo"])
    response = client.get(f"/units/{world['school'].id}/in-person/attendance-sheet.pdf",
                          query_string={"course": world.teachers_course.id, "place": PLACE})
    assert response.status_code == 200
    printed = pdf_text(response.data)
    assert all(world[key].full_name in printed for key in teachers)
    assert "Điêu Thị Oanh" not in printed  # another school's teacher
    assert PLACE in printed and "10 tiết" in printed and "Ngày: ………" in printed
    assert count(db, AuditEvent, AuditEvent.action == "in_person_attendance_sheet_printed") == 1


@pytest.mark.parametrize("who", ["teacher", "other_manager"])
def test_the_sheets_are_refused_to_a_teacher_and_another_schools_manager(
    client, login, db, world, teachers, who
):
    record = training(db, world, ["khai"])
    if who == "teacher":
        person = world["hanh"]
    else:
        person = create_user(db, username="ip.other.mo", full_name="Lò Thị Xuân",
                             password="mat-khau-thu-nghiem")
        add_membership(db, person, world["other_school"], Role.SCHOOL_MANAGER,
                       school_year=SCHOOL_YEAR)
    db.commit()
    login(person)
    school = world["school"].id
    for path in (f"/units/{school}/in-person/{record.id}/attendance-sheet.pdf",
                 f"/units/{school}/in-person/attendance-sheet.pdf?course="
                 f"{world.teachers_course.id}"):
        assert client.get(path).status_code == 403
    denials = count(db, AuditEvent, AuditEvent.action == "access_denied",
                    AuditEvent.actor_id == person.id)
    assert denials == 2
    assert count(db, AuditEvent, AuditEvent.action == "in_person_attendance_sheet_printed") == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "Chưa đánh dấu ai có mặt"),
    ({"held_on": (TODAY + dt.timedelta(days=1)).isoformat()}, "chưa đến"),
    ({"held_on": "31/02/2026"}, "Hãy chọn ngày diễn ra buổi học"),
    ({"credit_periods": "150"}, "Số tiết bồi dưỡng phải từ 0 đến 120"),
    ({"credit_periods": "-3"}, "Số tiết bồi dưỡng phải là một số nguyên"),
])
def test_bad_input_is_refused_in_vietnamese_and_writes_nothing(
    client, login, db, world, teachers, snapshot, fields, message
):
    db.commit()
    before = snapshot()
    login(world["mo"])
    attendees = {} if not fields else {"attendee": [str(world["khai"].id)]}
    response = post_training(client, world, **(attendees | fields))
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot() == before


@pytest.mark.parametrize(("query", "message"), [
    ({}, "Hãy chọn khóa học của buổi tập huấn"),
    ({"held_on": "hôm qua"}, "Hãy chọn ngày diễn ra buổi học"),
    ({"credit_periods": "121"}, "Số tiết bồi dưỡng phải từ 0 đến 120"),
])
def test_a_bad_sheet_request_is_refused_in_vietnamese(
    client, login, db, world, teachers, query, message
):
    db.commit()
    login(world["mo"])
    response = client.get(f"/units/{world['school'].id}/in-person/attendance-sheet.pdf",
                          query_string=({"course": world.teachers_course.id} if query else {})
                          | query)
    assert response.status_code == 400
    assert message in text(response)


def test_the_same_training_sent_again_with_other_terms_is_refused(db, world, teachers):
    training(db, world, ["khai"], credit_periods=8)
    with pytest.raises(InPersonError, match="số tiết và cách cấp giấy chứng nhận khác"):
        training(db, world, ["lam"], credit_periods=4)
    with pytest.raises(InPersonError, match="chỉ dành cho buổi tập huấn"):
        training(db, world, [], unit=world["2A"], course=world.parents_course,
                 credit_periods=2)


def test_a_search_narrows_a_long_roster_without_javascript(client, login, world, teachers):
    login(world["mo"])
    page = text(client.get(f"/units/{world['school'].id}/in-person/new",
                           query_string={"audience": "teacher", "q": "lam"}))
    assert "Phạm Văn Lâm" in page and "Lê Văn Khải" not in page
    assert "Đang hiện 1 trên 5 người" in page
    by_code = text(client.get(f"/units/{world['school'].id}/in-person/new",
                              query_string={"audience": "teacher", "q": "ip-nga"}))
    assert "Quàng Thị Ngà" in by_code and "Phạm Văn Lâm" not in by_code


def test_a_parents_meetings_sheet_names_the_child_each_adult_came_for(client, login, db, world):
    adult = add_meeting_attendee(db, child=world["dung"], recorded_by=world["hanh"],
                                 name="Vàng Thị Mai")
    record = record_session(
        db, unit=world["2A"], course=world.parents_course, held_on=HELD_ON,
        place="Phòng học lớp 2A", facilitator="Nguyễn Thị Hạnh", recorded_by=world["hanh"],
        attendee_ids=[adult.id], clock=CLOCK,
    )
    db.commit()
    login(world["hanh"])  # the class's homeroom teacher, who may record there
    response = client.get(f"/units/{world['2A'].id}/in-person/{record.id}/attendance-sheet.pdf")
    assert response.status_code == 200
    printed = pdf_text(response.data)
    assert "Vàng Thị Mai" in printed and "Cha mẹ, người chăm sóc em Vàng A Dũng" in printed
    assert "Số tiết bồi dưỡng" not in printed  # parents earn no periods
