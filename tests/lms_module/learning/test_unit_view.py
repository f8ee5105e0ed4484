"""The unit page is a GET that writes nothing; the POST its script sends records the view."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from learning_support import QUIZ, SLUG, UNITS, usage
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from helpers import CSRF_META, VIEWED_URL, csrf_token_from, open_unit
from lms_module.certification.models import Certificate
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import BlockCompletion, Completion, Course, LearnerPosition
from lms_module.learning.services import get_course
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User
from lms_module.xblock_runtime.ids import BlockKey

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)
#: The first unit's plain content: a lesson and an HTML block (complete on view).
PLAIN = [usage("lesson", "l1_quy_tac"), usage("html", "h1_so_111")]
#: The page's one progress bar: units done out of the course's units (the outline's ticks).
COURSE_PROGRESS = re.compile(r'<progress id="course-progress" max="(\d+)" value="(\d+)"')

PLAIN_SLUG = "chi-doc"
PLAIN_COURSE = (
    f'<course slug="{PLAIN_SLUG}" display_name="Chỉ đọc" audience="student" grade_min="1"'
    ' grade_max="5"><chapter><sequential>'
    '<vertical url_name="v1"><html url_name="h1"><p>Xin chào</p></html></vertical>'
    '<vertical url_name="v2"><html url_name="h2"><p>Gọi 111</p></html></vertical>'
    "</sequential></chapter></course>"
)


@pytest.fixture
def statements(app: Flask, db: Session) -> Iterator[list[str]]:
    """Every SQL statement sent to the app's engine during the test."""
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    engine = app.extensions["lms"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def writes_in(statements: list[str]) -> list[str]:
    return [s for s in statements if WRITE.match(s)]


def view_url_and_token(page: Any) -> tuple[str, dict[str, str]]:
    body = page.get_data(as_text=True)
    viewed, token = VIEWED_URL.search(body), CSRF_META.search(body)
    assert viewed and token
    return viewed.group(1), {"X-CSRFToken": token.group(1)}


def completions(db: Session, user: User) -> dict[str, float]:
    rows = db.execute(
        select(BlockCompletion.usage_id, BlockCompletion.completion).where(
            BlockCompletion.user_id == user.id
        )
    )
    return {usage_id: completion for usage_id, completion in rows}


def test_a_unit_of_our_own_blocks_loads_no_jquery(login, student, sample_course, client):
    login(student)
    for unit_id in UNITS:
        page = client.get(f"/courses/{SLUG}/units/{unit_id}").get_data(as_text=True)
        scripts = re.findall(r'<script src="([^"]+)"', page)
        assert any("xblock-runtime" in src for src in scripts)
        assert not any("jquery" in src.lower() for src in scripts), scripts


def test_opening_a_unit_writes_nothing(login, student, sample_course, client, db, statements):
    login(student)
    statements.clear()
    for unit_id in UNITS:
        assert client.get(f"/courses/{SLUG}/units/{unit_id}").status_code == 200
    assert statements, "nothing was read: the listener is not on the request's engine"
    assert writes_in(statements) == []
    assert db.scalar(select(LearnerPosition.usage_id)) is None
    assert completions(db, student) == {}


def test_a_unit_page_reads_its_blocks_fields_in_one_statement(
    login, student, sample_course, client, statements
):
    login(student)
    for unit_id in UNITS:
        statements.clear()
        assert client.get(f"/courses/{SLUG}/units/{unit_id}").status_code == 200
        field_reads = [s for s in statements if "lms_xblock_" in s]
        assert len(field_reads) == 1, field_reads
        assert "lms_xblock_shared_field" in field_reads[0]
        assert "lms_xblock_learner_field" in field_reads[0]


def test_the_unit_page_counts_the_content_its_view_completes_in_the_progress_it_shows(
    login, student, sample_course, client
):
    login(student)
    first = client.get(f"/courses/{SLUG}/units/{UNITS[0]}").get_data(as_text=True)
    assert COURSE_PROGRESS.findall(first) == [("4", "1")]  # a lesson and an HTML block
    assert "cb-progress" not in first  # the unit's block shows no second bar
    # Nothing was recorded (no view POST); the scenario unit completes at an ending.
    second = client.get(f"/courses/{SLUG}/units/{UNITS[1]}").get_data(as_text=True)
    assert COURSE_PROGRESS.findall(second) == [("4", "0")]


def test_the_view_post_records_the_place_and_the_plain_content_once(
    login, student, sample_course, client, db, statements
):
    login(student)
    url, headers = view_url_and_token(client.get(f"/courses/{SLUG}/units/{UNITS[0]}"))
    assert url == f"/courses/{SLUG}/units/{UNITS[0]}/viewed"

    first = client.post(url, headers=headers)
    assert first.status_code == 200
    assert first.get_json() == {"completed": PLAIN, "percent": 25, "course_completed": False}
    assert (
        db.scalar(select(LearnerPosition.usage_id).where(LearnerPosition.user_id == student.id))
        == UNITS[0]
    )
    assert completions(db, student) == {PLAIN[0]: 1.0, PLAIN[1]: 1.0}

    statements.clear()
    again = client.post(url, headers=headers)
    assert again.status_code == 200
    assert again.get_json() == {"completed": [], "percent": 25, "course_completed": False}
    assert writes_in(statements) == []
    assert db.scalar(select(func.count()).select_from(BlockCompletion)) == 2


def test_the_view_post_moves_the_place_resume_opens(login, student, sample_course, client):
    login(student)
    open_unit(client, SLUG, UNITS[2])
    client.get(f"/courses/{SLUG}/units/{UNITS[1]}")  # shown, but its script never ran
    assert client.get(f"/courses/{SLUG}/resume").headers["Location"].endswith(UNITS[2])
    open_unit(client, SLUG, UNITS[1])
    assert client.get(f"/courses/{SLUG}/resume").headers["Location"].endswith(UNITS[1])


def test_a_view_is_refused_in_json_like_the_page(
    login, student, sample_course, client, db, make_user, tree
):
    login(student)
    _url, headers = view_url_and_token(client.get(f"/courses/{SLUG}/units/{UNITS[0]}"))

    not_a_unit = client.post(f"/courses/{SLUG}/units/{QUIZ}/viewed", headers=headers)
    assert not_a_unit.status_code == 404
    assert not_a_unit.get_json()["error"].startswith("Không tìm thấy nội dung")
    no_course = client.post(f"/courses/khong-co/units/{UNITS[0]}/viewed", headers=headers)
    assert no_course.status_code == 404
    assert no_course.get_json()["error"].startswith("Không tìm thấy khóa học")
    no_token = client.post(f"/courses/{SLUG}/units/{UNITS[0]}/viewed")
    assert no_token.status_code == 400
    assert "tải lại trang" in no_token.get_json()["error"]

    grade_3 = make_user(Role.STUDENT, tree["other_class"], username="hs.lop.ba")
    login(grade_3)
    headers = {"X-CSRFToken": csrf_token_from(client, "/")}
    assert client.get(f"/courses/{SLUG}/units/{UNITS[0]}").status_code == 403
    not_theirs = client.post(f"/courses/{SLUG}/units/{UNITS[0]}/viewed", headers=headers)
    assert not_theirs.status_code == 403
    assert not_theirs.get_json()["error"].startswith("Khóa học này không được giao")

    signed_out = client.application.test_client().post(f"/courses/{SLUG}/units/{UNITS[0]}/viewed")
    assert signed_out.status_code == 401
    assert "đăng nhập" in signed_out.get_json()["error"]
    assert db.scalar(select(func.count()).select_from(LearnerPosition)) == 0
    assert db.scalar(select(func.count()).select_from(BlockCompletion)) == 0


@pytest.fixture
def plain_course(db: Session, tmp_path: Path) -> Course:
    (tmp_path / "course.xml").write_text(PLAIN_COURSE, encoding="utf-8")
    load_course(db, tmp_path)
    db.flush()
    return get_course(db, PLAIN_SLUG)


def test_a_course_of_plain_content_completes_with_its_certificate_through_the_page_and_its_post(
    login: Callable[[User], FlaskClient],
    student: User,
    plain_course: Course,
    client: FlaskClient,
    db: Session,
    tree: dict[str, OrgUnit],
) -> None:
    login(student)
    units = [BlockKey(PLAIN_SLUG, "vertical", name).usage_id for name in ("v1", "v2")]
    open_unit(client, PLAIN_SLUG, units[0])
    last = client.get(f"/courses/{PLAIN_SLUG}/units/{units[1]}")
    assert db.scalar(select(func.count()).select_from(Completion)) == 0  # the GET wrote nothing
    url, headers = view_url_and_token(last)
    answer = client.post(url, headers=headers)
    assert answer.get_json() == {
        "completed": [BlockKey(PLAIN_SLUG, "html", "h2").usage_id],
        "percent": 100,
        "course_completed": True,
    }
    completion = db.scalars(select(Completion).where(Completion.user_id == student.id)).one()
    certificate = db.scalars(select(Certificate).where(Certificate.user_id == student.id)).one()
    assert certificate.completion_id == completion.id
    assert "Em đã hoàn thành khóa học" in client.get(f"/courses/{PLAIN_SLUG}/results").get_data(
        as_text=True
    )


def test_while_the_database_is_away_the_view_post_gets_json(
    make_app, login, student, sample_course, client
):
    login(student)
    _url, headers = view_url_and_token(client.get(f"/courses/{SLUG}/units/{UNITS[0]}"))
    away = make_app(
        own_database=True,
        LMS_DATABASE_URL="postgresql+psycopg://lms@/lms?host=/nonexistent-socket-dir&port=1",
    ).test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    away.set_cookie("session", cookie.value)
    response = away.post(f"/courses/{SLUG}/units/{UNITS[0]}/viewed", headers=headers)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "thử lại" in response.get_json()["error"]
