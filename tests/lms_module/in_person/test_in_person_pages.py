"""The pages: a teacher records a parents' meeting from the class's family list, a manager a
staff session; refusals answer in Vietnamese (403 audited, 400 with the reason) and write
nothing; the signed sheet is checked on upload and handed only to whom it concerns."""

from __future__ import annotations

import datetime as dt
import html
import io
import re

import pytest
from in_person_support import HELD_ON, count
from sqlalchemy import select
from teaching import TODAY

from helpers import csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.auth.access import ACCESS_ATTRIBUTE
from lms_module.certification.models import Certificate
from lms_module.families.models import Kinship, LinkSource, ParentLink
from lms_module.families.services import link_adult
from lms_module.in_person.models import InPersonAttendance, InPersonSession
from lms_module.learning.models import Completion
from lms_module.people.models import Role, User
from lms_module.people.services import add_membership, create_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def mother(db, world):
    """Lò Thị Sen, linked to An (2A) with a parent letter."""
    adult = create_user(db, username="ip.sen", full_name="Lò Thị Sen")
    db.flush()
    link_adult(db, adult, world["an"], kinship=Kinship.MOTHER, source=LinkSource.LETTER)
    db.flush()
    return adult


def post_session(client, unit, *, query="", sheet=None, **fields):
    """Send the record form of ``unit`` as a browser does (its CSRF token, multipart)."""
    path = f"/units/{unit.id}/in-person/new{query}"
    data = {"csrf_token": csrf_token_from(client, path), "held_on": HELD_ON.isoformat(),
            "place": "Phòng học lớp 2A", "facilitator": "Nguyễn Thị Hạnh", **fields}
    if sheet is not None:
        data["sheet"] = (io.BytesIO(sheet[1]), sheet[0])
    return client.post(path, data=data, content_type="multipart/form-data")


def test_the_family_list_shows_the_linked_adults_and_a_tick_for_a_child_without(
    client, login, world, mother
):
    login(world["hanh"])
    page = client.get(f"/units/{world['2A'].id}/in-person/new")
    assert page.status_code == 200
    body = text(page)
    assert "Lò Thị Sen" in body
    assert f'name="attendee" value="{mother.id}"' in body
    assert "Cha/mẹ/người chăm sóc của em Vàng A Dũng có mặt" in body
    assert "Một người lớn khác của em Lò Văn An có mặt" in body
    assert "Cùng con an toàn (yêu cầu: Kiến thức bảo vệ trẻ em cho gia đình)" in body
    assert "Sùng Văn Giang" not in body  # 3A's child


def test_a_teacher_records_a_parents_meeting_and_the_page_names_who_came(
    client, login, db, world, mother
):
    login(world["hanh"])
    dung = world["dung"]
    response = post_session(
        client, world["2A"], course=str(world.parents_course.id),
        attendee=[str(mother.id)], present_child=[str(dung.id)],
        **{f"adult_name_{dung.id}": "Vàng Thị Pằng", f"kinship_{dung.id}": "grandparent"},
    )
    assert response.status_code == 302, text(response)
    record = db.scalars(select(InPersonSession)).one()
    assert response.headers["Location"].endswith(
        f"/units/{world['2A'].id}/in-person/{record.id}"
    )
    newcomer = db.scalars(select(User).where(User.full_name == "Vàng Thị Pằng")).one()
    link = db.scalars(select(ParentLink).where(ParentLink.adult_user_id == newcomer.id)).one()
    assert (link.child_user_id, link.kinship, link.source) == (
        dung.id, Kinship.GRANDPARENT, LinkSource.MEETING
    )
    for adult in (mother, newcomer):
        assert count(db, Certificate, Certificate.user_id == adult.id,
                     Certificate.org_unit_id == world["school"].id) == 1
    page = text(client.get(response.headers["Location"]))
    assert "Đã ghi buổi học ngày" in page and "2 người có mặt" in page
    assert "Lò Thị Sen" in page and "Vàng Thị Pằng" in page
    assert "Lò Văn An" in page and "Vàng A Dũng" in page  # whose parents they are
    listing = text(client.get(f"/units/{world['2A'].id}/in-person"))
    assert "Cùng con an toàn" in listing and HELD_ON.strftime("%d/%m/%Y") in listing


def test_a_teacher_of_another_class_is_refused_and_the_refusal_is_audited(
    client, login, db, world, mother, snapshot
):
    login(world["lam"])  # a teacher of the school without a duty in 2A
    db.commit()
    before = snapshot()
    assert client.get(f"/units/{world['2A'].id}/in-person/new").status_code == 403
    response = client.post(
        f"/units/{world['2A'].id}/in-person/new",
        data={"csrf_token": csrf_token_from(client, "/"), "course": world.parents_course.id,
              "held_on": HELD_ON.isoformat(), "place": "x", "facilitator": "x",
              "attendee": mother.id},
    )
    assert response.status_code == 403
    assert "Lò Thị Sen" not in text(response)
    assert snapshot() == before
    denials = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert [(d.actor_id, d.org_unit_id) for d in denials] == [(world["lam"].id, world["2A"].id)] * 2


def test_a_teacher_cannot_record_at_the_school_level(client, login, world):
    login(world["hanh"])
    assert client.get(f"/units/{world['school'].id}/in-person/new").status_code == 403
    other = world["other_2A"]
    assert client.get(f"/units/{other.id}/in-person/new").status_code == 403


def test_a_day_in_the_future_is_refused_in_vietnamese_and_nothing_is_written(
    client, login, db, world, mother, snapshot
):
    login(world["hanh"])
    db.commit()
    before = snapshot()
    tomorrow = TODAY + dt.timedelta(days=1)
    dung = world["dung"]
    response = post_session(
        client, world["2A"], course=str(world.parents_course.id), held_on=tomorrow.isoformat(),
        attendee=[str(mother.id)], present_child=[str(dung.id)],
    )
    assert response.status_code == 400
    assert f"Ngày {tomorrow:%d/%m/%Y} chưa đến" in text(response)
    assert snapshot() == before  # not even the adult of the "present" tick


def test_an_empty_attendance_is_refused(client, login, db, world, snapshot):
    login(world["hanh"])
    db.commit()
    before = snapshot()
    response = post_session(client, world["2A"], course=str(world.parents_course.id))
    assert response.status_code == 400
    assert "Chưa đánh dấu ai có mặt" in text(response)
    assert snapshot() == before


def test_a_course_of_another_audience_is_not_offered_and_refused(
    client, login, db, world, mother, snapshot
):
    login(world["hanh"])
    page = text(client.get(f"/units/{world['2A'].id}/in-person/new"))
    assert world.teachers_course.title_vi not in page
    db.commit()
    before = snapshot()
    response = post_session(client, world["2A"], course=str(world.teachers_course.id),
                            attendee=[str(mother.id)])
    assert response.status_code == 400
    assert "Hãy chọn khóa học mà buổi học này thay cho." in text(response)
    assert snapshot() == before


def test_a_manager_records_a_staff_session_from_the_schools_list(client, login, db, world):
    login(world["mo"])
    query = "?audience=teacher"
    page = text(client.get(f"/units/{world['school'].id}/in-person/new{query}"))
    assert "Phạm Văn Lâm" in page and "Lê Văn Khải" in page
    assert "Điêu Thị Oanh" not in page  # another school's teacher
    response = post_session(client, world["school"], query=query,
                            course=str(world.teachers_course.id),
                            attendee=[str(world["lam"].id), str(world["khai"].id)])
    assert response.status_code == 302, text(response)
    for teacher in ("lam", "khai"):
        assert count(db, Certificate, Certificate.user_id == world[teacher].id,
                     Certificate.org_unit_id == world["school"].id) == 1


def test_a_manager_records_a_school_wide_parents_session_class_by_class(
    client, login, db, world, mother
):
    login(world["mo"])
    school = world["school"]
    everyone = text(client.get(f"/units/{school.id}/in-person/new"))
    assert "Lò Văn An" in everyone and "Sùng Văn Giang" in everyone
    only_3a = text(client.get(f"/units/{school.id}/in-person/new?class={world['3A'].id}"))
    assert "Sùng Văn Giang" in only_3a and "Lò Văn An" not in only_3a
    giang = world["giang"]
    response = post_session(client, school, query=f"?audience=parent&class={world['3A'].id}",
                            course=str(world.parents_course.id), present_child=[str(giang.id)])
    assert response.status_code == 302, text(response)
    record = db.scalars(select(InPersonSession)).one()
    assert record.org_unit_id == school.id
    adult = db.scalars(
        select(User).where(User.full_name == "Phụ huynh của em Sùng Văn Giang")
    ).one()
    assert count(db, Completion, Completion.user_id == adult.id,
                 Completion.in_person_session_id == record.id) == 1
    # A child of a class not on the chosen list cannot be ticked.
    response = post_session(client, school, query=f"?audience=parent&class={world['3A'].id}",
                            course=str(world.parents_course.id),
                            present_child=[str(world["an"].id)])
    assert response.status_code == 400
    assert "không thuộc danh sách lớp" in text(response)


def test_an_office_reviewer_sees_the_count_but_no_name(client, login, db, world, mother,
                                                       make_user):
    login(world["hanh"])
    post_session(client, world["2A"], course=str(world.parents_course.id),
                 attendee=[str(mother.id)])
    record = db.scalars(select(InPersonSession)).one()
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    reviewer = make_user(Role.OFFICE_REVIEWER, world["province"])
    login(reviewer)
    page = client.get(f"/units/{world['2A'].id}/in-person/{record.id}")
    assert page.status_code == 200
    assert "Người có mặt: 1" in text(page)
    assert "Lò Thị Sen" not in text(page) and "Lò Văn An" not in text(page)
    other = make_user(Role.OFFICE_REVIEWER, world["other_province"])
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    login(other)
    assert client.get(f"/units/{world['2A'].id}/in-person/{record.id}").status_code == 403


# ------------------------------------------------------------------------------ the sheet


def test_a_signed_sheet_is_kept_and_downloaded_by_the_recorder_and_the_manager(
    client, login, db, world, mother
):
    login(world["hanh"])
    response = post_session(client, world["2A"], course=str(world.parents_course.id),
                            attendee=[str(mother.id)], sheet=("ký tên 2A.pdf", PDF))
    assert response.status_code == 302, text(response)
    record = db.scalars(select(InPersonSession)).one()
    assert (record.sheet_filename, record.sheet_content_type) == ("ký tên 2A.pdf",
                                                                   "application/pdf")
    url = f"/units/{world['2A'].id}/in-person/{record.id}/sheet"
    for who in ("hanh", "mo"):
        client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
        login(world[who])
        download = client.get(url)
        assert download.status_code == 200
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"] == (
            f'attachment; filename="danh-sach-ky-ten-{record.id}.pdf"'
        )
        assert "no-store" in download.headers["Cache-Control"]
    events = db.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "in_person_sheet_downloaded")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.actor_id for e in events] == [world["hanh"].id, world["mo"].id]


def test_the_sheet_is_refused_to_another_teacher_of_the_class_and_to_an_admin(
    client, login, db, world, mother, make_user
):
    login(world["hanh"])
    post_session(client, world["2A"], course=str(world.parents_course.id),
                 attendee=[str(mother.id)], sheet=("a.png", PNG))
    record = db.scalars(select(InPersonSession)).one()
    url = f"/units/{world['2A'].id}/in-person/{record.id}/sheet"
    admin = make_user(Role.ADMIN, world["province"])
    for person in (world["khai"], admin):  # Khải teaches 2A but did not record it
        client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
        login(person)
        response = client.get(url)
        assert response.status_code == 403
        assert response.data != PNG
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert {d.actor_id for d in denied} == {world["khai"].id, admin.id}
    assert count(db, AuditEvent, AuditEvent.action == "in_person_sheet_downloaded") == 0


@pytest.mark.parametrize(("name", "data"), [
    ("danh-sach.jpg", b"GIF89a" + b"\x00" * 40),  # a GIF named .jpg
    ("danh-sach.pdf", b"MZ\x90\x00 not a pdf"),
    ("danh-sach.png", b""),
])
def test_a_sheet_that_is_not_a_photo_or_pdf_is_refused_with_nothing_written(
    client, login, db, world, mother, snapshot, name, data
):
    login(world["hanh"])
    db.commit()
    before = snapshot()
    response = post_session(client, world["2A"], course=str(world.parents_course.id),
                            attendee=[str(mother.id)], sheet=(name, data))
    assert response.status_code == 400
    body = text(response)
    assert "ảnh (JPEG, PNG) hoặc tệp PDF" in body or "Tệp danh sách ký tên trống" in body
    assert snapshot() == before


def test_a_sheet_over_the_size_limit_is_refused(client, login, db, world, mother, snapshot,
                                                app):
    login(world["hanh"])
    db.commit()
    before = snapshot()
    app.config["LMS_MAX_UPLOAD_BYTES"] = 1000
    try:
        response = post_session(client, world["2A"], course=str(world.parents_course.id),
                                attendee=[str(mother.id)], sheet=("a.png", PNG + b"\x00" * 1000))
    finally:
        app.config["LMS_MAX_UPLOAD_BYTES"] = 5 * 1024 * 1024
    assert response.status_code == 400
    assert "Tệp danh sách ký tên quá lớn" in text(response)
    assert snapshot() == before


# ------------------------------------------------------------------------------ the wiring


def test_every_in_person_route_checks_role_and_unit(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("lms.in_person.")]
    assert len(rules) == 6
    for rule in rules:
        marker = getattr(app.view_functions[rule.endpoint], ACCESS_ATTRIBUTE, None)
        assert isinstance(marker, tuple) and marker[0] == "roles", rule.rule
        assert marker[2] == "unit_id", rule.rule  # scoped to the URL's unit
        assert Role.STUDENT not in marker[1] and Role.PARENT not in marker[1], rule.rule


def test_the_class_page_and_the_managers_home_link_to_the_sessions(client, login, world):
    login(world["hanh"])
    assert f"/units/{world['2A'].id}/in-person" in client.get(
        f"/classes/{world['2A'].id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    login(world["mo"])
    assert f"/units/{world['school'].id}/in-person" in client.get("/").get_data(as_text=True)


def test_a_parent_has_no_access_to_the_pages(client, login, db, world, mother):
    mother_login = create_user(db, username="ip.parent", full_name="Tòng Văn Tâm",
                               password="mat-khau-thu-nghiem")
    db.flush()
    link_adult(db, mother_login, world["binh"], kinship=Kinship.FATHER, source=LinkSource.LETTER)
    add_membership(db, mother_login, world["school"], Role.PARENT)
    db.flush()
    login(mother_login)
    for path in ("", "/new"):
        assert client.get(f"/units/{world['2A'].id}/in-person{path}").status_code == 403
    assert count(db, InPersonAttendance) == 0
