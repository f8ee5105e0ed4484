"""Open edX problems graded as Open edX grades them, through the block's handlers in our runtime.

Each test loads a small course whose one unit holds the problem, then drives the handlers as
the page's script does (JSON in, JSON out), on the test database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from webob import Request

from courses.blocks.problem import compare_with_tolerance, evaluate_number, parse_problem
from helpers import csrf_token_from, open_unit
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Attempt, BlockUsage, Course
from lms_module.learning.player import learner_runtime
from lms_module.learning.services import course_progress, get_course
from lms_module.people.models import Role, User
from lms_module.xblock_runtime.ids import BlockKey
from lms_module.xblock_runtime.runtime import MemoryUrls

SLUG = "open-edx-problems"


def course_xml(*problems: str, extra: str = "") -> str:
    """A teachers' course: one unit with an HTML block and ``problems`` (p1, p2, ...)."""
    blocks = "".join(
        problem.replace("<problem", f'<problem url_name="p{n}"', 1)
        for n, problem in enumerate(problems, start=1)
    )
    return (
        f'<course slug="{SLUG}" url_name="root" display_name="Câu hỏi Open edX"'
        ' audience="teacher" credit_periods="1" pass_mark="0.5" validity_months="12">'
        '<chapter url_name="c1" display_name="Chương"><sequential url_name="s1" display_name="Bài">'
        '<vertical url_name="u1" display_name="Trang"><html url_name="h1"><p>Đọc.</p></html>'
        f"{blocks}{extra}</vertical></sequential></chapter></course>"
    )


@pytest.fixture
def load(db: Any, tmp_path: Path) -> Callable[..., Course]:
    def do_load(*problems: str) -> Course:
        folder = tmp_path / "course"
        folder.mkdir(exist_ok=True)
        (folder / "course.xml").write_text(course_xml(*problems), encoding="utf-8")
        load_course(db, folder)
        db.flush()
        return get_course(db, SLUG)

    return do_load


@pytest.fixture
def teacher(make_user: Callable[..., User], tree: dict[str, Any]) -> User:
    return make_user(Role.TEACHER, tree["school"], username="gv.hoa")


class Learner:
    """Calls a problem's handlers for one learner through our runtime, as the browser does."""

    def __init__(self, db: Any, user: User, course: Course) -> None:
        self.db, self.user, self.course = db, user, course

    def call(self, handler: str, payload: Any, problem: str = "p1") -> tuple[int, Any]:
        runtime = learner_runtime(self.db, self.user, self.course, MemoryUrls("/lms"))
        block = runtime.get_block(BlockKey(SLUG, "problem", problem).usage_id)
        request = Request.blank("/", method="POST", body=json.dumps(payload).encode())
        response = runtime.handle(block, handler, request)
        return response.status_code, json.loads(response.body)

    def ok(self, handler: str, payload: Any, problem: str = "p1") -> Any:
        status, body = self.call(handler, payload, problem)
        assert status == 200, body
        return body

    def submit(self, answers: dict[str, Any], problem: str = "p1") -> Any:
        return self.ok("submit", {"answers": answers}, problem)

    def page(self) -> str:
        runtime = learner_runtime(self.db, self.user, self.course, MemoryUrls("/lms"))
        block = runtime.get_block(BlockKey(SLUG, "problem", "p1").usage_id)
        return str(runtime.render(block, "student_view", {}).body_html())


@pytest.fixture
def learner(db: Any, teacher: User, load: Callable[..., Course]) -> Callable[..., Learner]:
    def make(*problems: str) -> Learner:
        return Learner(db, teacher, load(*problems))

    return make


NUMERICAL = (
    '<problem><numericalresponse answer="{answer}"><label>Bao nhiêu?</label>'
    '{param}<formulaequationinput/></numericalresponse></problem>'
)


# -------------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("answer", "param", "given", "correct"),
    [
        ("100", '<responseparam type="tolerance" default="5%"/>', "104.9", True),
        ("100", '<responseparam type="tolerance" default="5%"/>', "95", True),
        ("100", '<responseparam type="tolerance" default="5%"/>', "106", False),
        ("10", '<responseparam type="tolerance" default="0.5"/>', "10.5", True),
        ("10", '<responseparam type="tolerance" default="0.5"/>', "10.6", False),
        ("3.14", "", "3.14", True),
        ("3.14", "", "3.15", False),
        ("0.5", "", "1/2", True),
        ("2,5", "", "2,5", True),
        ("[5, 7)", "", "5", True),
        ("[5, 7)", "", "6.9", True),
        ("[5, 7)", "", "7", False),
        ("(5, 7]", "", "5", False),
    ],
)
def test_numerical_answers_follow_open_edx_tolerance_and_ranges(
    learner, answer, param, given, correct
):
    player = learner(NUMERICAL.format(answer=answer, param=param))
    result = player.submit({"r1": given})
    assert result["feedback"]["r1"]["correct"] is correct
    assert result["score"] == (1.0 if correct else 0.0)


def test_a_number_that_is_not_one_is_a_vietnamese_400_and_uses_no_attempt(learner, db):
    player = learner(NUMERICAL.format(answer="24", param=""))
    status, body = player.call("submit", {"answers": {"r1": "hai mươi tư"}})
    assert status == 400
    assert body["error"] == "Không đọc được “hai mươi tư” là một số."
    assert player.submit({"r1": "24"})["attempts"] == 1
    assert db.scalar(select(Attempt.score).where(Attempt.user_id == player.user.id)) == 1.0


def test_open_edx_tolerance_rule_with_its_relative_default():
    assert compare_with_tolerance(1.000001, 1.0)  # 0.001% of the larger value
    assert not compare_with_tolerance(1.0001, 1.0)
    assert compare_with_tolerance(9.0, 10.0, "10%") and not compare_with_tolerance(8.9, 10, "10%")
    assert evaluate_number("5%") == 0.05 and evaluate_number("2^3") == 8.0


# -------------------------------------------------------------------------------- strings


STRING = (
    '<problem><stringresponse answer="{answer}" type="{kind}"><label>Gọi số nào?</label>'
    '<additional_answer answer="Tổng đài 111"><correcthint>Đúng, tổng đài 111.</correcthint>'
    "</additional_answer>"
    '<correcthint>Chính xác.</correcthint>'
    '<stringequalhint answer="113">113 là số của công an.</stringequalhint>'
    '<regexphint answer="11[4-5]">Gần đúng rồi, nhưng chưa phải.</regexphint>'
    '<textline size="20"/></stringresponse></problem>'
)


@pytest.mark.parametrize(
    ("kind", "given", "correct", "hint"),
    [
        ("", "111", True, "Chính xác."),
        ("", " 111 ", True, "Chính xác."),
        ("", "tổng đài 111", False, ""),
        ("ci", "tổng đài 111", True, "Đúng, tổng đài 111."),
        ("", "113", False, "113 là số của công an."),
        ("", "115", False, "Gần đúng rồi, nhưng chưa phải."),
        ("", "112", False, ""),
    ],
)
def test_text_answers_match_case_additional_answers_and_string_hints(
    learner, kind, given, correct, hint
):
    player = learner(STRING.format(answer="111", kind=kind))
    feedback = player.submit({"r1": given})["feedback"]["r1"]
    assert feedback["correct"] is correct
    assert (hint in feedback["hint_html"]) if hint else feedback["hint_html"] == ""
    if hint:
        label = "Đúng:" if correct else "Chưa đúng:"
        assert f'<span class="cb-hint-label">{label} </span>' in feedback["hint_html"]


def test_a_regular_expression_answer_matches_the_whole_text(learner):
    player = learner(
        '<problem><stringresponse answer="(mười một|11)1?" type="regexp ci">'
        "<label>Số?</label><textline/></stringresponse></problem>"
    )
    assert player.submit({"r1": "MƯỜI MỘT"})["feedback"]["r1"]["correct"] is True
    assert player.submit({"r1": "111"})["feedback"]["r1"]["correct"] is True
    assert player.submit({"r1": "số 111"})["feedback"]["r1"]["correct"] is False


# -------------------------------------------------------------------------------- choices

CHECKBOXES = (
    "<problem><choiceresponse><label>Ai là người lớn tin cậy?</label><checkboxgroup>"
    '<choice correct="true">Mẹ<choicehint selected="true">Đúng, mẹ.</choicehint>'
    '<choicehint selected="false">Còn mẹ thì sao?</choicehint></choice>'
    '<choice correct="false">Người lạ<choicehint selected="true">Không nên tin người lạ.'
    '</choicehint><choicehint selected="false">Đúng, không chọn người lạ.</choicehint></choice>'
    '<choice correct="true">Cô giáo</choice>'
    '<compoundhint value="A B">Mẹ thì đúng, người lạ thì không.</compoundhint>'
    "</checkboxgroup></choiceresponse></problem>"
)


def test_checkbox_hints_show_for_chosen_and_for_not_chosen_choices(learner):
    player = learner(CHECKBOXES)
    # Mẹ and Cô giáo chosen: Mẹ's "selected" hint, Người lạ's "not selected" hint.
    right = player.submit({"r1": ["choice_0", "choice_2"]})["feedback"]["r1"]
    assert right["correct"] is True
    assert "Đúng, mẹ." in right["hint_html"]
    assert "Đúng, không chọn người lạ." in right["hint_html"]
    assert "Còn mẹ thì sao?" not in right["hint_html"]
    assert "Không nên tin người lạ." not in right["hint_html"]
    # Only Cô giáo: Mẹ's "not selected" hint shows.
    wrong = player.submit({"r1": ["choice_2"]})["feedback"]["r1"]
    assert wrong["correct"] is False
    assert "Còn mẹ thì sao?" in wrong["hint_html"] and "Đúng, mẹ." not in wrong["hint_html"]


def test_a_compound_hint_replaces_the_choice_hints_for_its_exact_selection(learner):
    player = learner(CHECKBOXES)
    feedback = player.submit({"r1": ["choice_0", "choice_1"]})["feedback"]["r1"]
    assert feedback["correct"] is False
    assert "Mẹ thì đúng, người lạ thì không." in feedback["hint_html"]
    assert "Đúng, mẹ." not in feedback["hint_html"]


def test_choices_nested_in_tables_and_divs_are_answerable_with_their_text_in_order(learner):
    player = learner(
        "<problem><p>Mở đầu.</p><div class='khung'><table><tr><td>Ô trái</td><td>"
        "<multiplechoiceresponse><label>Số?</label><choicegroup>"
        '<choice correct="false">113<choicehint>Đó là số công an.</choicehint></choice>'
        '<choice correct="true">111</choice></choicegroup></multiplechoiceresponse>'
        "</td></tr></table><p>Giữa.</p><span><optionresponse><label>Gọi khi nào?</label>"
        '<optioninput><option correct="True">Ngay<optionhint>Đúng, ngay.</optionhint></option>'
        '<option correct="False">Để mai</option></optioninput></optionresponse></span></div>'
        "<p>Cuối.</p></problem>"
    )
    page = player.page()
    order = [page.index(t) for t in ("Mở đầu.", "Ô trái", "113", "Giữa.", "Gọi khi nào?", "Cuối.")]
    assert order == sorted(order)
    assert "<td>" in page and 'type="radio"' in page and "<select" in page
    result = player.submit({"r1": ["choice_0"], "r2": ["option_0"]})
    assert result["feedback"]["r1"]["correct"] is False
    assert "Đó là số công an." in result["feedback"]["r1"]["hint_html"]
    assert "Đúng, ngay." in result["feedback"]["r2"]["hint_html"]
    assert result["score"] == 0.5 and result["message"] == "Đúng một phần."


# -------------------------------------------------------------------------------- demand hints

DEMAND = (
    '<problem showanswer="{showanswer}" max_attempts="{max_attempts}" '
    'show_reset_button="{reset}"><multiplechoiceresponse><label>Số?</label><choicegroup>'
    '<choice correct="false">113</choice><choice correct="true">111</choice></choicegroup>'
    "</multiplechoiceresponse><solution><p>Gọi 111, miễn phí.</p></solution>"
    "<demandhint><hint>Ba chữ số.</hint><hint>Toàn số 1.</hint></demandhint></problem>"
)


def demand(showanswer: str = "finished", max_attempts: str = "", reset: str = "false") -> str:
    return DEMAND.format(showanswer=showanswer, max_attempts=max_attempts, reset=reset)


def test_demand_hints_come_one_at_a_time_and_do_not_touch_the_grade(learner, db):
    player = learner(demand())
    first = player.ok("demand_hint", {"hint_index": 0})
    assert [h["label"] for h in first["hints"]] == ["Gợi ý (1 trên 2): "]
    assert first["hints"][0]["html"] == "Ba chữ số." and first["should_enable_next_hint"]
    second = player.ok("demand_hint", {"hint_index": 1})
    assert [h["html"] for h in second["hints"]] == ["Ba chữ số.", "Toàn số 1."]
    assert second["should_enable_next_hint"] is False
    assert player.ok("demand_hint", {"hint_index": 2})["hint_index"] == 0  # wraps, as Open edX
    assert db.scalar(select(Attempt.id).where(Attempt.user_id == player.user.id)) is None
    status, body = player.call("demand_hint", {"hint_index": "một"})
    assert status == 400 and body["error"] == "Số thứ tự gợi ý không hợp lệ."


# -------------------------------------------------------------------------------- show answer


@pytest.mark.parametrize(
    ("showanswer", "max_attempts", "steps"),
    [
        # Each step: the answer to submit (None: ask before submitting) and whether the
        # answer may then be shown.
        ("always", "", [(None, True)]),
        ("never", "", [(None, False), ("choice_1", False)]),
        ("attempted", "", [(None, False), ("choice_0", True)]),
        ("answered", "", [(None, False), ("choice_0", False), ("choice_1", True)]),
        ("finished", "2", [(None, False), ("choice_0", False), ("choice_0", True)]),
        ("finished", "", [("choice_0", False), ("choice_1", True)]),
        ("closed", "1", [(None, False), ("choice_1", True)]),
        ("past_due", "", [("choice_1", False)]),
        ("correct_or_past_due", "", [("choice_0", False), ("choice_1", True)]),
    ],
)
def test_show_answer_follows_the_problem_setting(learner, showanswer, max_attempts, steps):
    player = learner(demand(showanswer, max_attempts))
    for answer, available in steps:
        if answer is not None:
            assert player.submit({"r1": [answer]})["answer_available"] is available
        status, body = player.call("show_answer", {})
        if available:
            assert status == 200
            assert body["answers"] == {"r1": {"choices": ["choice_1"]}}
            assert body["solutions"] == ["<p>Gọi 111, miễn phí.</p>"]
        else:
            assert (status, body["error"]) == (403, "Chưa thể xem đáp án của câu hỏi này.")


def test_show_answer_gives_numbers_and_texts_with_their_additional_answers(learner):
    player = learner(
        '<problem showanswer="always"><numericalresponse answer="24">'
        '<additional_answer answer="1440"/><textline/></numericalresponse>'
        '<stringresponse answer="111" type="ci"><additional_answer answer="một một một"/>'
        "<textline/></stringresponse></problem>"
    )
    answers = player.ok("show_answer", {})["answers"]
    assert answers == {"r1": {"text": "24 hoặc 1440"}, "r2": {"text": "111 hoặc một một một"}}


# -------------------------------------------------------------------------------- reset


def test_reset_clears_answers_not_attempts_and_only_when_the_settings_allow(learner, db):
    player = learner(demand(max_attempts="3", reset="true"))
    status, body = player.call("reset", {})
    assert (status, body["error"]) == (400, "Cần nộp bài trước khi làm lại.")
    wrong = player.submit({"r1": ["choice_0"]})
    assert wrong["reset_available"] is True and wrong["attempts_left"] == 2
    reset = player.ok("reset", {})
    assert reset["attempts_left"] == 2 and reset["submit_enabled"] is True
    assert 'checked' not in player.page()
    right = player.submit({"r1": ["choice_1"]})
    assert right["attempts_left"] == 1 and right["reset_available"] is False  # correct: no reset
    status, body = player.call("reset", {})
    assert (status, body["error"]) == (409, "Câu hỏi này không cho làm lại.")


def test_a_problem_without_the_reset_setting_refuses_reset(learner):
    player = learner(demand())
    assert player.submit({"r1": ["choice_0"]})["reset_available"] is False
    status, body = player.call("reset", {})
    assert (status, body["error"]) == (409, "Câu hỏi này không cho làm lại.")


def test_no_submission_is_taken_once_the_attempts_are_used(learner):
    player = learner(demand(max_attempts="1"))
    assert player.submit({"r1": ["choice_0"]})["submit_enabled"] is False
    status, body = player.call("submit", {"answers": {"r1": ["choice_1"]}})
    assert (status, body["error"]) == (409, "Đã hết lượt làm bài.")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"answers": []},
        {"answers": {"r1": 5}},
        {"answers": {"r1": [1, 2]}},
        {"answers": {"r1": ["khong-co"]}},
        {"answers": {"r9": ["choice_1"]}},
        [],
    ],
)
def test_bad_payloads_are_vietnamese_400s(learner, payload):
    player = learner(demand())
    status, body = player.call("submit", payload)
    assert status == 400
    assert body["error"] in (
        "Câu trả lời gửi lên không đúng dạng.",
        "Hãy trả lời trước khi nộp bài.",
    )


# -------------------------------------------------------------------------------- unsupported


UNSUPPORTED = (
    "<problem><p>Viết công thức.</p><formularesponse answer='x^2'><label>Bình phương của x?"
    "</label><textline/></formularesponse><customresponse cfn='check'><label>Giải thích."
    "</label><textbox/></customresponse></problem>"
)


def test_an_unsupported_problem_shows_its_text_and_a_notice_and_is_excluded(learner, db):
    player = learner(UNSUPPORTED)
    page = player.page()
    assert "Viết công thức." in page and "Bình phương của x?" in page
    assert (
        "Dạng câu hỏi này chưa được hỗ trợ ở đây: formularesponse. Câu này không tính điểm"
        " và không ảnh hưởng việc hoàn thành." in page
    )
    assert "cb-submit" not in page and "<textarea" not in page
    usage = db.scalars(select(BlockUsage).where(BlockUsage.block_type == "problem")).one()
    assert (usage.completion_mode, usage.has_score, usage.weight) == ("excluded", False, 0.0)
    status, body = player.call("submit", {"answers": {"r1": "x"}})
    assert status == 400 and "không có phần nào trả lời được" in body["error"]


def test_import_notes_count_unsupported_responses_and_what_the_sanitiser_drops(learner):
    player = learner(
        UNSUPPORTED.replace("<p>Viết", "<script>alert(1)</script><p style='x'>Viết")
    )
    runtime = learner_runtime(player.db, player.user, player.course, MemoryUrls("/lms"))
    notes = runtime.get_block(BlockKey(SLUG, "problem", "p1").usage_id).olx_import_notes()
    assert notes["unsupported_responses"] == {"formularesponse": 1, "customresponse": 1}
    assert notes["answerable"] is False
    assert notes["removed_elements"] == {"script": 1, "@style": 1}
    assert parse_problem(UNSUPPORTED).inputs == []


def test_a_course_whose_only_problem_is_unsupported_can_be_completed(
    learner, db, client, login, teacher
):
    player = learner(UNSUPPORTED)
    login(teacher)
    open_unit(client, SLUG, BlockKey(SLUG, "vertical", "u1").usage_id)
    progress = course_progress(db, teacher, player.course)
    assert progress.all_complete and progress.passed and progress.score == 1.0


def test_a_mixed_problem_scores_only_its_answerable_part(learner, db, client, login, teacher):
    player = learner(
        "<problem><formularesponse answer='x'><textline/></formularesponse>"
        '<multiplechoiceresponse><label>Số?</label><choicegroup><choice correct="true">111'
        '</choice><choice correct="false">113</choice></choicegroup></multiplechoiceresponse>'
        "</problem>"
    )
    usage = db.scalars(select(BlockUsage).where(BlockUsage.block_type == "problem")).one()
    assert (usage.completion_mode, usage.has_score) == ("completable", True)
    login(teacher)
    open_unit(client, SLUG, BlockKey(SLUG, "vertical", "u1").usage_id)
    assert not course_progress(db, teacher, player.course).all_complete
    result = player.submit({"r1": ["choice_0"]})
    assert result["score"] == 1.0
    attempt = db.scalars(select(Attempt).where(Attempt.user_id == teacher.id)).one()
    assert (attempt.score, attempt.max_score) == (1.0, 1.0)
    progress = course_progress(db, teacher, player.course)
    assert progress.all_complete and progress.score == 1.0


def test_a_bad_payload_over_http_is_a_vietnamese_json_400(learner, client, login, teacher):
    learner(demand())
    login(teacher)
    unit = BlockKey(SLUG, "vertical", "u1").usage_id
    token = csrf_token_from(client, f"/courses/{SLUG}/units/{unit}")
    usage = BlockKey(SLUG, "problem", "p1").usage_id
    bodies = (("submit", b'{"answers": {"r1": {"x": 1}}}'), ("demand_hint", b'{"hint_index": 0.5}'))
    for handler, body in bodies:
        response = client.post(
            f"/xblock/{usage}/handler/{handler}",
            data=body,
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.get_json()["error"] in (
            "Câu trả lời gửi lên không đúng dạng.",
            "Số thứ tự gợi ý không hợp lệ.",
        )


# -------------------------------------------------------------------------------- links


def test_course_links_in_text_choices_hints_and_solutions_point_at_course_files(learner):
    player = learner(
        '<problem showanswer="always"><p><img src="/static/so do.png" alt="Sơ đồ"/></p>'
        "<multiplechoiceresponse><choicegroup>"
        '<choice correct="true"><img src="/static/a.png" alt="A"/>'
        '<choicehint><a href="/static/b.pdf">Đọc thêm</a></choicehint></choice>'
        '<choice correct="false">B</choice></choicegroup></multiplechoiceresponse>'
        '<solution><img src="/static/c.png" alt="C"/></solution></problem>'
    )
    page = player.page()
    assert 'src="/lms/static/a.png"' in page
    hint = player.submit({"r1": ["choice_0"]})["feedback"]["r1"]["hint_html"]
    solution = player.ok("show_answer", {})["solutions"][0]
    for html, name in ((page, "a.png"), (hint, "b.pdf"), (solution, "c.png")):
        assert '"/static/' not in html, html
        assert name in html
