"""What a worker reads once and reuses stays right: a course loaded again shows its new pages
at once, and a membership changed in the same request changes who may take a course."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient
from lxml import html
from sqlalchemy import update
from sqlalchemy.orm import Session

from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Course
from lms_module.learning.services import get_course, may_take_course
from lms_module.people.models import Membership, User
from lms_module.people.services import active_memberships
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "doc-lai-khoa-hoc"
COURSE = """
<course slug="{slug}" display_name="Khóa học nạp lại" audience="student" grade_min="1"
        grade_max="5" pass_mark="0">
  <chapter url_name="c1" display_name="Bài 1"><sequential url_name="s1" display_name="Phần">
    <vertical url_name="v1" display_name="{first}">
      <html url_name="h1"><p>{text}</p></html>
    </vertical>
    {second}
  </sequential></chapter>
</course>
"""
SECOND = """<vertical url_name="v2" display_name="Trang thứ hai">
      <html url_name="h2"><p>Em kể với người lớn em tin cậy.</p></html>
    </vertical>"""


def unit(name: str) -> str:
    return BlockKey(SLUG, "vertical", name).usage_id


def load(db: Session, folder: Path, *, first: str, text: str, second: str) -> Course:
    folder.mkdir()
    (folder / "course.xml").write_text(
        COURSE.format(slug=SLUG, first=first, text=text, second=second), encoding="utf-8"
    )
    load_course(db, folder)
    db.flush()
    return get_course(db, SLUG)


def page_text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return " ".join(html.fromstring(response.get_data(as_text=True)).text_content().split())


def test_a_course_loaded_again_shows_its_new_pages_to_a_learner_who_read_the_old_ones(
    db: Session,
    tmp_path: Path,
    student: User,
    login: Callable[[User], FlaskClient],
) -> None:
    first_version = load(db, tmp_path / "v1", first="Mục tiêu", text="Cơ thể em là của em.",
                         second=SECOND).current_version_id
    client = login(student)
    assert "Mục tiêu" in page_text(client, f"/courses/{SLUG}/units/{unit('v1')}")
    assert "Trang thứ hai" in page_text(client, f"/courses/{SLUG}")

    second = load(db, tmp_path / "v2", first="Mục tiêu mới", text="Em nói to: “Không!”",
                  second="")

    assert second.current_version_id != first_version
    shown = page_text(client, f"/courses/{SLUG}/units/{unit('v1')}")
    assert "Mục tiêu mới" in shown and "Em nói to: “Không!”" in shown
    assert "Trang thứ hai" not in page_text(client, f"/courses/{SLUG}")
    assert client.get(f"/courses/{SLUG}/units/{unit('v2')}").status_code == 404


def test_a_membership_changed_in_the_same_session_changes_who_may_take_the_course(
    db: Session, student: User, sample_course: Course
) -> None:
    assert may_take_course(db, student, sample_course)
    (membership,) = active_memberships(db, student)

    membership.active = False  # not flushed yet: the next answer must still see it
    assert not may_take_course(db, student, sample_course)

    db.execute(update(Membership).where(Membership.id == membership.id).values(active=True))
    db.expire(membership)
    assert may_take_course(db, student, sample_course)
    assert [m.id for m in active_memberships(db, student)] == [membership.id]
