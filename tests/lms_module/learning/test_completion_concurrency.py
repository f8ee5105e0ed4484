"""Two simultaneous final submissions record one completion and one event (PostgreSQL)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from lms_module.learning.course_loader import load_course
from lms_module.learning.models import (
    BlockCompletion,
    BlockUsage,
    Completion,
    Course,
    CourseVersion,
    SharedFieldValue,
)
from lms_module.learning.services import (
    complete_course_if_done,
    course_completed,
    get_course,
    record_block_completion,
)
from lms_module.people.models import User
from lms_module.people.services import create_user

TINY_COURSE = (
    '<course slug="song-song" display_name="Song song" audience="student" grade_min="1"'
    ' grade_max="12"><chapter><sequential><vertical><html><p>Xin chào</p></html></vertical>'
    "</sequential></chapter></course>"
)


@pytest.mark.postgresql_only
def test_concurrent_completion_checks_record_one_row_and_one_event(app: Flask, tmp_path: Path):
    engine = app.extensions["lms"].engine
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    (tmp_path / "course.xml").write_text(TINY_COURSE, encoding="utf-8")
    with factory() as session:
        load_course(session, tmp_path)
        user = create_user(session, username="hs.songsong", full_name="Lê Văn Nam")
        session.flush()
        course = get_course(session, "song-song")
        html_id = session.scalars(
            select(BlockUsage.usage_id).where(BlockUsage.block_type == "html")
        ).one()
        record_block_completion(session, user, course, html_id, 1.0)
        session.commit()
        user_id, course_id = user.id, course.id

    sent: list[int] = []
    barrier = threading.Barrier(2)

    def receiver(completion: Completion, **_extra: object) -> None:
        sent.append(completion.id)

    def submit() -> None:
        with factory() as session:
            learner = session.get_one(User, user_id)
            the_course = session.get_one(Course, course_id)
            barrier.wait()
            complete_course_if_done(session, learner, the_course)
            session.commit()

    course_completed.connect(receiver)
    try:
        threads = [threading.Thread(target=submit) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        with factory() as session:
            rows = session.scalar(
                select(func.count()).select_from(Completion).where(Completion.user_id == user_id)
            )
        assert rows == 1
        assert len(sent) == 1
    finally:
        course_completed.disconnect(receiver)
        with factory() as session:
            session.execute(delete(Completion).where(Completion.user_id == user_id))
            session.execute(delete(BlockCompletion).where(BlockCompletion.user_id == user_id))
            session.execute(
                delete(SharedFieldValue).where(
                    SharedFieldValue.block_scope_id.contains("song-song")
                )
            )
            course = session.get_one(Course, course_id)
            course.current_version_id = None
            session.flush()
            versions = select(CourseVersion.id).where(CourseVersion.course_id == course_id)
            session.execute(delete(BlockUsage).where(BlockUsage.course_version_id.in_(versions)))
            session.execute(delete(CourseVersion).where(CourseVersion.course_id == course_id))
            session.execute(delete(Course).where(Course.id == course_id))
            session.execute(delete(User).where(User.id == user_id))
            session.commit()
