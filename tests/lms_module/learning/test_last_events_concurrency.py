"""A learner's last two progress events at once (two tabs): the course is completed once.

Real committed transactions on SQLite and PostgreSQL: each request runs in its own thread and
connection, through the handler route as the browser calls it, and both must succeed (on
SQLite a writing request takes the write lock at BEGIN, so neither save is refused).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from helpers import PASSWORD, SCHOOL_YEAR, sign_in
from lms_module.certification.models import Certificate
from lms_module.db import Base
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Completion, Course, CourseVersion, SharedFieldValue
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role, User
from lms_module.people.services import add_membership, create_user
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "hai-the-cung-luc"
#: A quiz unit and a reflection unit: submitting one and saving the other finishes the course.
COURSE = f"""<course slug="{SLUG}" display_name="Hai thẻ cùng lúc" audience="student"
  grade_min="1" grade_max="5" validity="school_year" pass_mark="0.5">
  <chapter url_name="c1"><sequential url_name="s1">
    <vertical url_name="u1"><quiz url_name="q1" display_name="Câu hỏi" pass_mark="0.5">
      <question id="q1" kind="truefalse" answer="true"><prompt>Em có thể gọi 111.</prompt>
      </question></quiz></vertical>
    <vertical url_name="u2"><reflection url_name="r1" display_name="Em nghĩ gì?">
      <prompt>Ai là người lớn em tin cậy?</prompt></reflection></vertical>
  </sequential></chapter></course>"""
QUIZ = BlockKey(SLUG, "quiz", "q1").usage_id
REFLECTION = BlockKey(SLUG, "reflection", "r1").usage_id
UNITS = [BlockKey(SLUG, "vertical", name).usage_id for name in ("u1", "u2")]
LEARNERS = 20
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _tab(app: Flask, username: str, unit: str) -> tuple[FlaskClient, str]:
    """Sign in on a new browser tab, open ``unit`` and return the tab and its CSRF token."""
    tab = app.test_client()
    assert sign_in(tab, username).status_code == 302
    page = tab.get(f"/courses/{SLUG}/units/{unit}")
    assert page.status_code == 200, page.get_data(as_text=True)
    match = CSRF_META.search(page.get_data(as_text=True))
    assert match
    return tab, match.group(1)


def _post(tab: FlaskClient, token: str, usage_id: str, handler: str, payload: Any) -> Any:
    return tab.post(
        f"/xblock/{usage_id}/handler/{handler}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )


def _together(*work: Callable[[], Any]) -> list[Any]:
    """Run ``work`` in threads released at the same moment; return their results."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work[index]()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.fixture
def committed(app: Flask, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The course, a school with a class of learners (with passwords), committed; removed after."""
    factory = sessionmaker(bind=app.extensions["lms"].engine, expire_on_commit=False)
    (tmp_path / "course.xml").write_text(COURSE, encoding="utf-8")
    with factory() as session:
        load_course(session, tmp_path)
        province = create_unit(session, kind=OrgKind.PROVINCE, code="HT-P", name="Sở GD-ĐT")
        school = create_unit(
            session, kind=OrgKind.SCHOOL, code="HT-S", name="Trường Tiểu học Hai Thẻ",
            parent=province, school_level=SchoolLevel.PRIMARY,
        )
        klass = create_unit(
            session, kind=OrgKind.CLASS, code="HT-C", name="3A", parent=school, grade=3,
            school_year=SCHOOL_YEAR,
        )
        users = []
        for index in range(LEARNERS):
            user = create_user(
                session, username=f"ht.hs{index}", full_name=f"Lò Văn Hai {index}",
                password=PASSWORD,
            )
            add_membership(session, user, klass, Role.STUDENT, school_year=SCHOOL_YEAR)
            users.append(user)
        session.commit()
        course_id = session.scalars(select(Course.id).where(Course.slug == SLUG)).one()
        ids = {
            "factory": factory, "users": [u.id for u in users],
            "usernames": [u.username for u in users], "course": course_id,
            "units": [klass.id, school.id, province.id],
        }
    try:
        yield ids
    finally:
        with factory() as session:
            purge(session, users=ids["users"], units=ids["units"], course_id=course_id)
            session.commit()


def purge(session: Session, *, users: list[int], units: list[int], course_id: int) -> None:
    """Delete committed test rows: everything that points at these users, units and course."""
    session.execute(update(Course).where(Course.id == course_id).values(current_version_id=None))
    session.execute(delete(SharedFieldValue).where(SharedFieldValue.block_scope_id.contains(SLUG)))
    versions = list(session.scalars(
        select(CourseVersion.id).where(CourseVersion.course_id == course_id)))
    ours = {
        "lms_user": users, "lms_org_unit": units, "lms_course": [course_id],
        "lms_course_version": versions,
    }
    # From the most dependent table up (a certificate before its completion before its user).
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in ours:
            continue
        for column in table.columns:
            for key in column.foreign_keys:
                ids = ours.get(key.column.table.name)
                if ids:
                    session.execute(table.delete().where(column.in_(ids)))
    session.execute(delete(CourseVersion).where(CourseVersion.id.in_(versions)))
    session.execute(delete(Course).where(Course.id == course_id))
    session.execute(delete(User).where(User.id.in_(users)))
    for unit_id in units:  # children first
        session.execute(delete(OrgUnit).where(OrgUnit.id == unit_id))


def test_the_last_quiz_submit_and_reflection_save_at_once_complete_the_course_once(
    app: Flask, committed: dict[str, Any]
):
    factory = committed["factory"]
    for user_id, username in zip(committed["users"], committed["usernames"], strict=True):
        quiz_tab, quiz_token = _tab(app, username, UNITS[0])
        reflection_tab, reflection_token = _tab(app, username, UNITS[1])
        submitted, saved = _together(
            partial(_post, quiz_tab, quiz_token, QUIZ, "submit", {"answers": {"q1": ["true"]}}),
            partial(_post, reflection_tab, reflection_token, REFLECTION, "save_answer",
                    {"answer": "Mẹ em"}),
        )
        assert submitted.status_code == 200, submitted.get_data(as_text=True)
        assert saved.status_code == 200, saved.get_data(as_text=True)
        with factory() as session:
            completions = session.scalar(
                select(func.count()).select_from(Completion).where(Completion.user_id == user_id)
            )
            certificates = session.scalar(
                select(func.count()).select_from(Certificate).where(Certificate.user_id == user_id)
            )
        assert (completions, certificates) == (1, 1), username
