"""The runtime on its memory versions: blocks render, handlers run, grade and completion events
are recorded, the scope rules hold, a read-only runtime writes nothing; no database, no Flask."""

from __future__ import annotations

import pytest
from runtime_support import (
    HTML,
    LESSON,
    LESSON_UNIT,
    QUIZ,
    QUIZ_UNIT,
    REFLECTION,
    RIGHT_ANSWERS,
    SCENARIO,
    json_request,
)
from xblock.core import XBlock
from xblock.fields import ScopeIds

from lms_module.xblock_runtime.field_data import MemoryFieldStore, ScopeWriteRefusedError
from lms_module.xblock_runtime.runtime import completes_on_view

# ---------------------------------------------------------------------------- rendering


def test_a_unit_renders_its_blocks_wrapped_for_the_client_side_runtime(make_runtime):
    runtime = make_runtime()
    html = runtime.render(runtime.get_block(QUIZ_UNIT), "student_view", {}).body_html()
    assert f'data-usage-id="{QUIZ_UNIT}" data-block-type="vertical"' in html
    assert f'data-usage-id="{QUIZ}" data-block-type="quiz" data-init="QuizBlock"' in html
    assert "Em nhớ gì?" in html


def test_a_block_of_another_course_is_not_found(make_runtime):
    from xblock.exceptions import NoSuchUsage

    with pytest.raises(NoSuchUsage):
        make_runtime().get_block(QUIZ.replace("em-an-toan-lop-1-2", "khoa-khac"))


def test_blocks_get_their_urls_from_the_runtime_urls(make_runtime):
    runtime = make_runtime()
    quiz = runtime.get_block(QUIZ)
    assert runtime.handler_url(quiz, "submit", "a/b", "x=1") == f"/handler/{QUIZ}/submit/a/b?x=1"
    assert runtime.local_resource_url(quiz, "static/js/quiz.js") == (
        "/resource/quiz/static/js/quiz.js"
    )
    with pytest.raises(NotImplementedError, match="signed-in learner"):
        runtime.handler_url(quiz, "submit", thirdparty=True)


@XBlock.needs("user")
@XBlock.needs("i18n")
class NeedsUser(XBlock):
    """A block that asks for the user and i18n services."""


def test_the_services_describe_the_learner_the_runtime_was_given(make_runtime, lan):
    runtime = make_runtime(language="en")
    block = runtime.construct_xblock_from_class(NeedsUser, ScopeIds(lan.id, "needs", "d", "u"))
    user = runtime.service(block, "user").get_current_user()
    assert user.full_name == "Trần Thị Lan"
    assert user.opt_attrs["edx-platform.user_id"] == lan.id
    assert runtime.service(block, "i18n").gettext("Nộp bài") == "Submit"


# ---------------------------------------------------------------------------- handlers, events


def test_a_handler_call_keeps_the_learners_answers_and_records_grade_and_completion(
    make_runtime, store, progress, lan
):
    runtime = make_runtime()
    response = runtime.handle(
        runtime.get_block(QUIZ), "submit", json_request({"answers": RIGHT_ANSWERS})
    )
    assert response.status_code == 200
    assert response.json["score"] == 1.0
    assert progress.grades == [(QUIZ, 3.0, 3.0)]
    assert progress.completion == {QUIZ: 1.0}
    assert runtime.progress_changed
    assert (lan.id, QUIZ, "user_state", "attempts") in store.rows
    next_request = make_runtime().get_block(QUIZ)
    assert (next_request.attempts, next_request.answers) == (1, RIGHT_ANSWERS)


def test_a_completion_event_is_recorded_without_a_grade(make_runtime, progress):
    runtime = make_runtime()
    response = runtime.handle(
        runtime.get_block(REFLECTION), "save_answer", json_request({"answer": "Mẹ em"})
    )
    assert response.status_code == 200
    assert progress.completion == {REFLECTION: 1.0}
    assert progress.grades == []


def test_a_grade_outside_its_bounds_is_refused_before_anything_is_recorded(make_runtime, progress):
    runtime = make_runtime()
    with pytest.raises(ValueError, match="max_value"):
        runtime.publish(runtime.get_block(QUIZ), "grade", {"value": 4, "max_value": 3})
    assert progress.grades == [] and progress.completion == {}


def test_without_a_recorder_events_are_dropped(make_runtime, progress):
    runtime = make_runtime(recorder=None)
    runtime.publish(runtime.get_block(QUIZ), "grade", {"value": 3, "max_value": 3})
    runtime.publish(runtime.get_block(REFLECTION), "completion", {"completion": 1.0})
    assert progress.grades == [] and progress.completion == {}
    assert not runtime.progress_changed


def test_containers_show_the_progress_the_reader_gives(make_runtime, progress):
    progress.completion[QUIZ_UNIT] = 0.5
    runtime = make_runtime()
    html = runtime.render(runtime.get_block(QUIZ_UNIT), "student_view", {}).body_html()
    assert '<progress max="100" value="50">' in html


def test_without_a_progress_reader_completion_is_not_tracked(make_runtime, progress):
    progress.completion[QUIZ_UNIT] = 0.5
    runtime = make_runtime(progress=None)
    html = runtime.render(runtime.get_block(QUIZ_UNIT), "student_view", {}).body_html()
    assert "<progress" not in html


def test_a_read_only_render_may_show_completions_that_are_not_recorded(make_runtime, progress):
    runtime = make_runtime(read_only=True)
    runtime.show_completions({QUIZ_UNIT: 1.0})
    html = runtime.render(runtime.get_block(QUIZ_UNIT), "student_view", {}).body_html()
    assert '<progress max="100" value="100">' in html
    assert progress.completion == {}


# ---------------------------------------------------------------------------- scopes


@pytest.mark.parametrize(
    ("field", "value"), [("display_name", "x"), ("questions", []), ("pass_mark", 0.0)]
)
def test_a_learner_cannot_write_content_or_settings(make_runtime, store, field, value):
    before = dict(store.rows)
    quiz = make_runtime().get_block(QUIZ)
    setattr(quiz, field, value)
    with pytest.raises(ScopeWriteRefusedError) as refused:
        quiz.save()
    assert "course content: learners cannot change it" in refused.value.message
    assert store.rows == before
    assert make_runtime().get_block(QUIZ).display_name == "Em nhớ gì?"


def test_a_learner_cannot_write_another_learners_state(make_runtime, store):
    runtime = make_runtime()
    keys = ScopeIds(8, "quiz", runtime.id_reader.get_definition_id(QUIZ), QUIZ)
    theirs = runtime.construct_xblock("quiz", keys)
    theirs.attempts = 5
    with pytest.raises(ScopeWriteRefusedError) as refused:
        theirs.save()
    assert "belongs to another user" in refused.value.message
    assert not [key for key in store.rows if key[0] == 8]


def test_another_learner_does_not_see_my_state(make_runtime, lan):
    from lms_module.xblock_runtime.services import MemoryUser

    mine = make_runtime().get_block(QUIZ)
    mine.answers = RIGHT_ANSWERS
    mine.save()
    classmate = MemoryUser(id=8, username="hs.minh", full_name="Lò Văn Minh")
    assert make_runtime(user=classmate).get_block(QUIZ).answers == {}


def test_an_anonymous_runtime_reads_content_but_keeps_no_learner_state(make_runtime, store):
    before = dict(store.rows)
    quiz = make_runtime(user=None, recorder=None, progress=None).get_block(QUIZ)
    assert quiz.display_name == "Em nhớ gì?"
    assert len(quiz.questions) == 3
    quiz.attempts = 1
    with pytest.raises(ScopeWriteRefusedError) as refused:
        quiz.save()
    assert "needs a signed-in user" in refused.value.message
    assert store.rows == before


def test_the_loader_alone_may_write_content(make_runtime, store):
    loader = make_runtime(user=None, recorder=None, progress=None, allow_content_writes=True)
    quiz = loader.get_block(QUIZ)
    quiz.display_name = "Em còn nhớ gì?"
    quiz.save()
    assert (QUIZ, "settings", "display_name", "Em còn nhớ gì?") in store.values(None, [QUIZ])
    assert make_runtime().get_block(QUIZ).display_name == "Em còn nhớ gì?"


# ---------------------------------------------------------------------------- read-only


def test_a_read_only_runtime_keeps_writes_in_memory_and_records_nothing(
    make_runtime, store, progress
):
    before = dict(store.rows)
    runtime = make_runtime(read_only=True)
    quiz = runtime.get_block(QUIZ)
    response = runtime.handle(quiz, "submit", json_request({"answers": RIGHT_ANSWERS}))
    assert response.json["score"] == 1.0
    assert runtime.get_block(QUIZ).attempts == 1  # the request goes on with what it set
    assert store.rows == before
    assert progress.grades == [] and progress.completion == {}
    assert not runtime.progress_changed
    assert make_runtime().get_block(QUIZ).attempts == 0
    quiz.display_name = "x"
    with pytest.raises(ScopeWriteRefusedError):
        quiz.save()  # the scope rules hold read-only too


# ---------------------------------------------------------------------------- complete on view


@pytest.mark.parametrize(
    ("usage_id", "completes"),
    [
        (LESSON, True),  # plain content
        (HTML, True),
        (QUIZ, False),  # completes when graded
        (SCENARIO, False),  # completes at an ending (custom completion)
        (REFLECTION, False),  # completes with an answer (custom completion)
        (LESSON_UNIT, False),  # a container: from its children
    ],
)
def test_viewing_completes_plain_content_only(make_runtime, usage_id, completes):
    assert completes_on_view(make_runtime().get_block(usage_id)) is completes


def test_the_blocks_a_unit_view_completes_are_its_plain_content(make_runtime):
    runtime = make_runtime(read_only=True)
    assert runtime.blocks_completed_on_view([LESSON_UNIT, LESSON, HTML]) == [LESSON, HTML]
    assert runtime.blocks_completed_on_view([QUIZ_UNIT, QUIZ]) == []


# ---------------------------------------------------------------------------- the memory store


def test_the_memory_store_keeps_values_as_json_like_a_database():
    store = MemoryFieldStore()
    answers = {"q1": ["a"]}
    store.save(7, QUIZ, "user_state", "answers", answers)
    answers["q1"].append("b")
    store.save(None, QUIZ, "settings", "weights", (1, 2))
    assert sorted(store.values(7, [QUIZ])) == [(QUIZ, "user_state", "answers", {"q1": ["a"]})]
    assert list(store.values(None, [QUIZ])) == [(QUIZ, "settings", "weights", [1, 2])]
    store.delete(7, QUIZ, "user_state", "answers")
    store.delete(7, QUIZ, "user_state", "answers")  # already gone: nothing happens
    assert list(store.values(7, [QUIZ])) == []


# ---------------------------------------------------------------------------- prefetch


class CountingStore(MemoryFieldStore):
    """A memory store that notes each read: ("values", owner) or ("values_with_shared",)."""

    def __init__(self, rows: dict) -> None:
        super().__init__()
        self.rows = dict(rows)
        self.reads: list[tuple] = []

    def values(self, learner_id, block_scope_ids):
        self.reads.append(("values", learner_id))
        return super().values(learner_id, block_scope_ids)

    def values_with_shared(self, learner_id, block_scope_ids):
        self.reads.append(("values_with_shared",))
        read = MemoryFieldStore.values  # one read here, not two counted ones
        return read(self, None, block_scope_ids), read(self, learner_id, block_scope_ids)


def test_a_prefetched_unit_renders_from_one_read_of_content_and_learner_state(
    make_runtime, store, lan
):
    quiz = make_runtime().get_block(QUIZ)
    quiz.answers = RIGHT_ANSWERS
    quiz.save()
    counting = CountingStore(store.rows)
    runtime = make_runtime(fields=counting, read_only=True)
    unit_blocks = [QUIZ_UNIT, QUIZ]
    runtime.prefetch(unit_blocks)
    assert counting.reads == [("values_with_shared",)]
    html = runtime.render(runtime.get_block(QUIZ_UNIT), "student_view", {}).body_html()
    assert "Em nhớ gì?" in html  # content
    assert "checked" in html  # Lan's answers
    assert counting.reads == [("values_with_shared",)]  # nothing read block by block
    anonymous = CountingStore(store.rows)
    make_runtime(fields=anonymous, user=None, recorder=None, progress=None).prefetch(unit_blocks)
    assert anonymous.reads == [("values", None)]  # no learner: content only
