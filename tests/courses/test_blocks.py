"""Our course blocks: declared fields, workbench scenarios, parsing and grading rules."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from lxml import etree
from xblock.core import XBlock
from xblock.fields import Field

from courses.blocks.html import sanitize_html
from courses.blocks.problem import parse_problem
from courses.blocks.quiz import grade_answers, parse_questions
from courses.blocks.scenario import parse_steps

OUR_BLOCKS = sorted(
    (ep.name, ep.load())
    for ep in entry_points(group="xblock.v1")
    if ep.value.startswith("courses.")
)


def test_every_tag_of_the_issue_is_registered():
    names = {name for name, _cls in OUR_BLOCKS}
    assert names >= {
        "course",
        "chapter",
        "sequential",
        "vertical",
        "html",
        "lesson",
        "scenario",
        "quiz",
        "reflection",
        "problem",
    }


@pytest.mark.parametrize(("name", "block_class"), OUR_BLOCKS)
def test_every_field_states_scope_and_help(name, block_class):
    own = {
        field_name: field
        for klass in block_class.__mro__
        if klass.__module__.startswith("courses.")
        for field_name, field in vars(klass).items()
        if isinstance(field, Field)
    }
    assert own, name
    for field_name, field in own.items():
        assert field.help, f"{name}.{field_name} has no help"
        assert field.scope is not None


@pytest.mark.parametrize(("name", "block_class"), OUR_BLOCKS)
def test_every_block_has_workbench_scenarios_that_parse(name, block_class):
    scenarios = block_class.workbench_scenarios()
    assert scenarios, name
    for _title, xml in scenarios:
        assert etree.fromstring(xml.encode()).tag == name


@pytest.mark.parametrize(("name", "block_class"), OUR_BLOCKS)
def test_block_assets_live_in_static(name, block_class):
    assert block_class.public_dir == "static"
    with block_class.open_local_resource("static/css/course-blocks.css") as handle:
        assert handle.read()


def test_html_sanitiser_keeps_text_and_images_and_drops_scripts():
    clean = sanitize_html(
        '<p onclick="x()">Chào <img src="/a.png" alt="a"><script>alert(1)</script>'
        '<a href="javascript:alert(1)">x</a><style>p{}</style></p>'
    )
    assert "onclick" not in clean and "<script" not in clean and "javascript:" not in clean
    assert '<img src="/a.png" alt="a">' in clean and "Chào" in clean


def test_quiz_multiple_choice_needs_exactly_the_right_options():
    questions = parse_questions(
        etree.fromstring(
            '<quiz><question id="q" kind="multiple"><prompt>?</prompt>'
            '<option id="a" correct="true"><text>A</text></option>'
            '<option id="b" correct="true"><text>B</text></option>'
            '<option id="c"><text>C</text></option></question></quiz>'
        )
    )
    assert grade_answers(questions, {"q": ["a", "b"]})[0] == 1
    assert grade_answers(questions, {"q": ["a"]})[0] == 0
    assert grade_answers(questions, {"q": ["a", "b", "c"]})[0] == 0


def test_true_false_questions_get_both_options_and_their_feedback():
    (question,) = parse_questions(
        etree.fromstring(
            '<quiz><question kind="truefalse" answer="false"><prompt>?</prompt>'
            '<feedback for="true">Chưa đúng.</feedback></question></quiz>'
        )
    )
    assert [(o["id"], o["correct"]) for o in question["options"]] == [
        ("true", False),
        ("false", True),
    ]
    assert question["options"][0]["feedback"] == "Chưa đúng."


def test_a_quiz_question_without_a_right_answer_is_refused():
    with pytest.raises(ValueError, match="no correct option"):
        parse_questions(
            etree.fromstring(
                "<quiz><question><prompt>?</prompt><option><text>A</text></option></question></quiz>"
            )
        )


def test_scenario_choices_must_lead_to_known_steps():
    with pytest.raises(ValueError, match="unknown step"):
        parse_steps(
            etree.fromstring(
                '<scenario><step id="s1"><situation>?</situation>'
                '<choice next="s9"><text>A</text></choice></step></scenario>'
            )
        )


def test_problem_reads_the_three_open_edx_choice_types():
    problem = parse_problem(
        "<problem><p>Đọc kỹ.</p>"
        "<multiplechoiceresponse><label>Số?</label><choicegroup>"
        '<choice correct="true">111<choicehint>Đúng.</choicehint></choice>'
        '<choice correct="false">113</choice></choicegroup></multiplechoiceresponse>'
        "<choiceresponse><label>Ai?</label><checkboxgroup>"
        '<choice correct="true">Mẹ</choice><choice correct="false">Người lạ</choice>'
        "</checkboxgroup></choiceresponse>"
        "<optionresponse><label>Chọn</label>"
        "<optioninput options=\"('Có','Không')\" correct=\"Có\"/></optionresponse>"
        "<formularesponse answer='x'/></problem>"
    )
    assert [i.kind for i in problem.inputs] == ["single", "multiple", "dropdown"]
    first = problem.inputs[0].choices[0]
    assert (first.id, first.html, first.correct, first.hints[0].html) == (
        "choice_0",
        "111",
        True,
        "Đúng.",
    )
    assert [o.correct for o in problem.inputs[2].choices] == [True, False]
    assert problem.unsupported_counts == {"formularesponse": 1}
    assert problem.body.index("Đọc kỹ.") < problem.body.index("\u27e6cb:r1\u27e7")


def test_blocks_do_not_import_the_web_layer():
    import courses

    root = Path(courses.__file__).parent
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import) (flask|lms_module)", source, re.M), path
    assert all(issubclass(cls, XBlock) for _name, cls in OUR_BLOCKS)
