"""Our blocks are portable: every one renders and answers its handlers in xblock-sdk's workbench.

The workbench is Django; it runs in-process here (test client against its own URLs), with its
database in a temporary folder. Each test acts as its own workbench student (``?student=``) so
the shared workbench database never couples two tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from workbench_support import (
    OUR_BLOCK_TYPES,
    WORKBENCH_WARNING_FILTERS,
    configure_workbench,
    workbench_client,
)

pytestmark = [pytest.mark.filterwarnings(f) for f in WORKBENCH_WARNING_FILTERS]

CONTAINERS = ("course", "chapter", "sequential", "vertical")


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    configure_workbench(tmp_path_factory.mktemp("workbench"))
    yield workbench_client()


def show(workbench: Any, block_type: str, student: str) -> str:
    """Render the block's first workbench scenario (student_view) for ``student``."""
    response = workbench.get(f"/scenario/{block_type}.0/", {"student": student})
    assert response.status_code == 200
    return str(response.content.decode("utf-8"))


def usage_of(page: str, block_type: str) -> str:
    """Return the workbench usage id of the first ``block_type`` block on the page."""
    match = re.search(rf"data-usage='([^']+)' data-block-type='{block_type}'", page)
    assert match, f"no {block_type} block on the page"
    return match.group(1)


def call(workbench: Any, usage_id: str, handler: str, payload: Any, student: str) -> Any:
    """POST JSON to a handler through the workbench's handler URL, as its JS runtime does."""
    return workbench.post(
        f"/handler/{usage_id}/{handler}/?student={student}",
        data=json.dumps(payload),
        content_type="application/json",
    )


def test_the_workbench_lists_a_scenario_for_every_block_of_ours(workbench):
    from workbench.scenarios import get_scenarios

    assert {name.split(".")[0] for name in get_scenarios()} == set(OUR_BLOCK_TYPES)
    assert set(OUR_BLOCK_TYPES) >= {*CONTAINERS, "html", "lesson", "scenario", "quiz"}
    assert {"reflection", "problem"} <= set(OUR_BLOCK_TYPES)


@pytest.mark.parametrize("block_type", CONTAINERS)
def test_a_container_renders_its_title_and_child_in_the_workbench(workbench, block_type):
    page = show(workbench, block_type, "container-reader")
    assert f"data-block-type='{block_type}'" in page
    assert "Ví dụ" in page
    assert "data-block-type='html'" in page
    assert "Xin chào!" in page


@pytest.mark.parametrize("block_type", OUR_BLOCK_TYPES)
def test_the_css_of_every_block_is_served_by_the_workbench(workbench, block_type):
    response = workbench.get(f"/resource/{block_type}/static/css/course-blocks.css")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_html_is_shown_sanitised_in_the_workbench(workbench):
    page = show(workbench, "html", "html-reader")
    assert "Cơ thể của em là <strong>của em</strong>." in page
    assert 'alert("x")' not in page


def test_a_lesson_shows_its_text_and_read_aloud_script_in_the_workbench(workbench):
    page = show(workbench, "lesson", "lesson-reader")
    assert "Cơ thể của em là của em." in page
    assert "data-init='LessonBlock'" in page
    for script in ("lesson.js", "course-blocks.js"):
        assert f"/resource/lesson/static/js/{script}" in page
    shared = workbench.get("/resource/lesson/static/js/course-blocks.js")
    assert shared.status_code == 200
    assert b"speechSynthesis" in shared.content


def test_a_scenario_branches_retries_and_finishes_in_the_workbench(workbench):
    student = "scenario-player"
    page = show(workbench, "scenario", student)
    assert "Một người bảo em giữ bí mật." in page
    scenario = usage_of(page, "scenario")

    wrong = call(workbench, scenario, "choose", {"step": "s1", "choice": "b"}, student).json()
    assert wrong["good"] is False
    assert wrong["feedback"] == "Chưa đúng."
    assert wrong["next"]["id"] == "s1"

    right = call(workbench, scenario, "choose", {"step": "s1", "choice": "a"}, student).json()
    assert right["good"] is True
    assert right["next"]["situation"] == "Mẹ cảm ơn em."

    end = call(workbench, scenario, "choose", {"step": "s2", "choice": "c"}, student).json()
    assert end == {**end, "finished": True, "next": None}
    # The workbench stored the state: the learner comes back to the step they reached.
    assert "Mẹ cảm ơn em." in show(workbench, "scenario", student)
    assert "Một người bảo em giữ bí mật." in show(workbench, "scenario", "another-player")


def test_a_scenario_refuses_an_unknown_choice_in_the_workbench(workbench):
    page = show(workbench, "scenario", "scenario-guesser")
    response = call(
        workbench,
        usage_of(page, "scenario"),
        "choose",
        {"step": "s1", "choice": "z"},
        "scenario-guesser",
    )
    assert response.status_code == 400
    assert response.json()["error"] == "Hãy chọn một câu trả lời."


def test_a_quiz_grades_gives_feedback_and_limits_attempts_in_the_workbench(workbench):
    student = "quiz-taker"
    page = show(workbench, "quiz", student)
    assert "Ai có thể giúp em?" in page
    quiz = usage_of(page, "quiz")

    first = call(workbench, quiz, "submit", {"answers": {"q1": ["b"], "q2": ["false"]}}, student)
    assert first.status_code == 200
    result = first.json()
    assert (result["score"], result["passed"], result["attempts_left"]) == (0.0, False, 1)
    assert result["feedback"]["q1"]["options"] == {"b": "Chưa đúng."}

    second = call(workbench, quiz, "submit", {"answers": {"q1": ["a"], "q2": ["true"]}}, student)
    result = second.json()
    assert (result["score"], result["passed"], result["attempts_left"]) == (1.0, True, 0)
    assert result["message"] == "Đạt"

    third = call(workbench, quiz, "submit", {"answers": {"q1": ["a"], "q2": ["true"]}}, student)
    assert third.status_code == 409
    assert third.json()["error"] == "Đã hết lượt làm bài."


def test_a_reflection_is_saved_for_its_author_only_in_the_workbench(workbench):
    page = show(workbench, "reflection", "reflection-writer")
    assert "Ai là người lớn em tin cậy?" in page
    reflection = usage_of(page, "reflection")

    saved = call(
        workbench, reflection, "save_answer", {"answer": "Mẹ và cô Hoa"}, "reflection-writer"
    )
    assert saved.json() == {
        "saved": True,
        "message": "Đã lưu. Không ai khác xem được những gì viết ở đây.",
    }
    assert "Mẹ và cô Hoa" in show(workbench, "reflection", "reflection-writer")
    assert "Mẹ và cô Hoa" not in show(workbench, "reflection", "reflection-reader")


def test_an_open_edx_problem_is_graded_in_the_workbench(workbench):
    student = "problem-solver"
    page = show(workbench, "problem", student)
    assert "Tổng đài bảo vệ trẻ em là số nào?" in page
    problem = usage_of(page, "problem")

    wrong = call(workbench, problem, "submit", {"answers": {"r1": ["choice_0"]}}, student).json()
    assert (wrong["score"], wrong["feedback"]["r1"]["correct"]) == (0.0, False)
    right = call(workbench, problem, "submit", {"answers": {"r1": ["choice_1"]}}, student).json()
    assert (right["score"], right["message"]) == (1.0, "Đúng rồi!")
