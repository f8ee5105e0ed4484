"""The runtime's ids are stable and its field data keeps each scope where it belongs."""

from __future__ import annotations

import datetime as dt

import pytest
from learning_support import QUIZ, RIGHT_ANSWERS, SLUG, make_app_sharing_connection, usage
from sqlalchemy import select
from xblock.core import XBlock
from xblock.fields import ScopeIds

from courses.content import SAMPLE_COURSE
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Attempt, BlockCompletion, LearnerFieldValue
from lms_module.learning.player import learner_runtime
from lms_module.learning.services import get_course
from lms_module.people.models import Role
from lms_module.xblock_runtime.field_data import ScopeWriteRefusedError
from lms_module.xblock_runtime.ids import parse_block_id


def test_usage_ids_come_from_course_slug_block_type_and_url_name(sample_course, db):
    assert f"block-v1:{SLUG}+type@quiz+block@q1_on_tap" == QUIZ
    key = parse_block_id(QUIZ)
    assert key is not None and key.definition_id == f"def-v1:{SLUG}+type@quiz+block@q1_on_tap"


def test_learner_state_survives_a_new_app_and_a_reimport(
    app, db, sample_course, student, urls, database_url
):
    runtime = learner_runtime(db, student, sample_course, urls)
    quiz = runtime.get_block(QUIZ)
    quiz.answers = RIGHT_ANSWERS
    quiz.attempts = 1
    quiz.save()

    other_app = make_app_sharing_connection(app, database_url)
    with other_app.app_context():
        load_course(db, SAMPLE_COURSE, slug=SLUG)  # unchanged: same version
        fresh = learner_runtime(db, student, get_course(db, SLUG), urls).get_block(QUIZ)
        assert fresh.answers == RIGHT_ANSWERS
        assert fresh.attempts == 1


def test_learner_state_is_stored_per_user_under_the_usage_id(db, sample_course, student, urls):
    runtime = learner_runtime(db, student, sample_course, urls)
    quiz = runtime.get_block(QUIZ)
    quiz.attempts = 2
    quiz.save()
    row = db.scalars(
        select(LearnerFieldValue).where(
            LearnerFieldValue.user_id == student.id, LearnerFieldValue.field_name == "attempts"
        )
    ).one()
    assert (row.scope, row.block_scope_id, row.value) == ("user_state", QUIZ, 2)


def test_another_learner_does_not_see_my_state(db, sample_course, student, make_user, tree, urls):
    classmate = make_user(Role.STUDENT, tree["class"], username="hs.minh")
    mine = learner_runtime(db, student, sample_course, urls).get_block(QUIZ)
    mine.answers = RIGHT_ANSWERS
    mine.save()
    theirs = learner_runtime(db, classmate, sample_course, urls).get_block(QUIZ)
    assert theirs.answers == {}


@pytest.mark.parametrize("field", ["display_name", "questions", "pass_mark"])
def test_a_learner_cannot_write_content_or_settings(db, sample_course, student, urls, field):
    quiz = learner_runtime(db, student, sample_course, urls).get_block(QUIZ)
    setattr(quiz, field, [] if field == "questions" else ("x" if field == "display_name" else 0.0))
    with pytest.raises(ScopeWriteRefusedError):
        quiz.save()


def test_a_read_only_runtime_keeps_writes_in_memory_and_records_nothing(
    db, sample_course, student, urls
):
    runtime = learner_runtime(db, student, sample_course, urls, read_only=True)
    quiz = runtime.get_block(QUIZ)
    quiz.attempts = 2
    quiz.save()
    runtime.publish(quiz, "grade", {"value": 1, "max_value": 1})
    runtime.render(runtime.get_block(usage("html", "h1_so_111")), "student_view", {})
    assert runtime.get_block(QUIZ).attempts == 2  # the render goes on with what it set
    for table in (LearnerFieldValue, Attempt, BlockCompletion):
        assert db.scalars(select(table)).all() == [], table.__name__
    assert not runtime.progress_changed
    assert learner_runtime(db, student, sample_course, urls).get_block(QUIZ).attempts == 0
    quiz.display_name = "x"
    with pytest.raises(ScopeWriteRefusedError):
        quiz.save()  # the scope rules hold read-only too


def test_content_reads_the_same_for_every_learner(db, sample_course, student, urls):
    anonymous = learner_runtime(db, None, sample_course, urls).get_block(QUIZ)
    learner = learner_runtime(db, student, sample_course, urls).get_block(QUIZ)
    assert anonymous.display_name == learner.display_name == "Em nhớ gì?"
    assert len(learner.questions) == 3


def test_services_describe_the_user_in_vietnamese_and_translate_to_english(
    db, sample_course, student, urls
):
    runtime = learner_runtime(db, student, sample_course, urls, language="en")
    block = runtime.construct_xblock_from_class(
        NeedsUserAndSettings, ScopeIds(student.id, "needs", "def-x", "usage-x")
    )
    user = runtime.service(block, "user").get_current_user()
    assert user.full_name == "Trần Thị Lan"
    assert user.opt_attrs["edx-platform.user_id"] == student.id
    assert runtime.service(block, "i18n").gettext("Nộp bài") == "Submit"
    assert runtime.service(block, "i18n").strftime(dt.date(2027, 5, 31), "SHORT_DATE") == (
        "31/05/2027"
    )
    assert runtime.service(block, "settings").get_settings_bucket(block) == {}


@XBlock.needs("user")
@XBlock.needs("i18n")
@XBlock.needs("settings")
class NeedsUserAndSettings(XBlock):
    """A block that asks for the standard services."""


def test_asides_are_off(db, sample_course, urls):
    runtime = learner_runtime(db, None, sample_course, urls)
    assert runtime.applicable_aside_types(runtime.get_block(usage("html", "h1_so_111"))) == []
