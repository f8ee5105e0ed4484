"""A block's score is the learner's latest attempt, read from one row per block however many
times they tried (lms_block_score); every attempt stays in the history (lms_attempt)."""

from __future__ import annotations

import datetime as dt

from learning_support import QUIZ, RIGHT_ANSWERS, SLUG, UNITS, WRONG_ANSWERS
from sqlalchemy import delete, func, insert, select

from courses.content import SAMPLE_COURSE
from helpers import open_unit
from lms_module import create_app
from lms_module.db import db_session
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Attempt, BlockScore
from lms_module.learning.services import course_progress, get_course
from lms_module.migrate import downgrade_database, upgrade_database
from lms_module.people.services import create_user

#: The migration before the block scores.
BEFORE_BLOCK_SCORES = "6804ed6ac53f"


def test_the_latest_attempt_is_the_score_not_the_best(
    login, student, sample_course, call_handler, client, db
):
    login(student)
    open_unit(client, SLUG, UNITS[2])
    answers = [RIGHT_ANSWERS, RIGHT_ANSWERS, WRONG_ANSWERS]  # its three tries, the last wrong
    scores = [call_handler(QUIZ, "submit", {"answers": a}).get_json()["score"] for a in answers]
    assert scores[0] == 1.0 and scores[-1] < 1.0

    assert course_progress(db, student, sample_course).scores[QUIZ] == scores[-1]
    assert db.scalar(select(func.count()).select_from(Attempt)) == 3  # the history
    rows = db.execute(select(BlockScore.usage_id, BlockScore.score, BlockScore.max_score)).all()
    assert [(usage_id, score / max_score) for usage_id, score, max_score in rows] == [
        (QUIZ, scores[-1])
    ]


def test_the_migration_fills_the_scores_from_the_attempts_kept(tmp_path):
    app = create_app(
        {"LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}", "SECRET_KEY": "k"}
    )
    engine = app.extensions["lms"].engine
    upgrade_database(engine)
    noon = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
    with app.app_context():
        session = db_session()
        load_course(session, SAMPLE_COURSE)
        course = get_course(session, SLUG)
        lan = create_user(session, username="hs.lan", full_name="Trần Thị Lan")
        minh = create_user(session, username="hs.minh", full_name="Lò Văn Minh")
        session.flush()
        tries = [  # (learner, score, when): the latest time wins, then the latest row
            (lan, 1.0, noon), (lan, 0.0, noon + dt.timedelta(minutes=5)),
            (lan, 2.0, noon + dt.timedelta(minutes=1)),
            (minh, 3.0, noon), (minh, 1.0, noon),
        ]
        session.execute(insert(Attempt), [
            {"user_id": who.id, "course_id": course.id, "usage_id": QUIZ, "score": score,
             "max_score": 3.0, "at": when}
            for who, score, when in tries
        ])
        session.execute(delete(BlockScore))
        session.commit()
        ids = {"lan": lan.id, "minh": minh.id}

    downgrade_database(engine, BEFORE_BLOCK_SCORES)
    upgrade_database(engine)

    with app.app_context():
        rows = db_session().execute(select(BlockScore.user_id, BlockScore.score, BlockScore.at))
        by_user = {user_id: (score, at.replace(tzinfo=dt.UTC)) for user_id, score, at in rows}
    assert by_user == {
        ids["lan"]: (0.0, noon + dt.timedelta(minutes=5)),
        ids["minh"]: (1.0, noon),
    }
    engine.dispose()
