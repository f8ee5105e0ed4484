"""Open edX ``<problem>`` with the simple choice types, so existing exports keep working.

Supported: ``multiplechoiceresponse`` (one answer), ``choiceresponse`` (checkboxes, all and
only the correct ones) and ``optionresponse`` (a drop-down). Text around the responses
(``<p>``, ``<label>``, ``<description>``) is shown sanitised; other response types are shown
as a notice and score nothing.
"""

from __future__ import annotations

import ast
from typing import Any

from lxml import etree
from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Dict, Float, Integer, Scope, String

from courses.blocks.base import CourseBlockMixin, json_handler
from courses.blocks.html import sanitize_html

RESPONSE_TYPES = ("multiplechoiceresponse", "choiceresponse", "optionresponse")
TEXT_TAGS = (
    "p",
    "label",
    "description",
    "div",
    "span",
    "h3",
    "h4",
    "ul",
    "ol",
    "img",
    "em",
    "strong",
    "b",
    "i",
    "pre",
    "code",
    "table",
)


def parse_problem(xml: str) -> list[dict[str, Any]]:
    """Turn a problem's XML into parts: ``{"kind": "text", "html"}`` or a response dict."""
    root = etree.fromstring(xml)
    parts: list[dict[str, Any]] = []
    for index, node in enumerate((n for n in root if n.tag is not etree.Comment), start=1):
        response_id = f"r{index}"
        if node.tag == "multiplechoiceresponse":
            parts.append(_choice_response(node, response_id, "single", "choicegroup"))
        elif node.tag == "choiceresponse":
            parts.append(_choice_response(node, response_id, "multiple", "checkboxgroup"))
        elif node.tag == "optionresponse":
            parts.append(_option_response(node, response_id))
        elif node.tag in ("solution", "demandhint"):
            continue
        elif node.tag in TEXT_TAGS:
            parts.append({"kind": "text", "html": etree.tostring(node, encoding="unicode")})
        elif node.tag.endswith("response"):
            parts.append({"kind": "unsupported", "tag": node.tag})
    return parts


def _label_html(node: Any) -> str:
    return "".join(
        etree.tostring(child, encoding="unicode")
        for child in node
        if child.tag in ("label", "p", "description")
    )


def _choice_response(node: Any, response_id: str, kind: str, group_tag: str) -> dict[str, Any]:
    group = node.find(f".//{group_tag}")
    options = []
    for o_index, choice in enumerate(group.iterchildren("choice") if group is not None else []):
        hints = [" ".join("".join(h.itertext()).split()) for h in choice.iter("choicehint")]
        for hint in list(choice.iter("choicehint")):
            hint.getparent().remove(hint)
        options.append(
            {
                "id": choice.get("name") or f"choice_{o_index}",
                "text": " ".join("".join(choice.itertext()).split()),
                "correct": choice.get("correct", "false").lower() == "true",
                "feedback": hints[0] if hints else "",
            }
        )
    return {
        "kind": kind,
        "id": response_id,
        "label": _label_html(node)
        or (
            etree.tostring(group.find("label"), encoding="unicode")
            if group is not None and group.find("label") is not None
            else ""
        ),
        "options": options,
    }


def _option_response(node: Any, response_id: str) -> dict[str, Any]:
    option_input = node.find(".//optioninput")
    options: list[dict[str, Any]] = []
    if option_input is not None:
        children = list(option_input.iterchildren("option"))
        if children:
            for o_index, option in enumerate(children):
                hints = [" ".join("".join(h.itertext()).split()) for h in option.iter("optionhint")]
                for hint in list(option.iter("optionhint")):
                    hint.getparent().remove(hint)
                options.append(
                    {
                        "id": f"option_{o_index}",
                        "text": " ".join("".join(option.itertext()).split()),
                        "correct": option.get("correct", "false").lower() == "true",
                        "feedback": hints[0] if hints else "",
                    }
                )
        else:
            # Old style: options="('a','b')" correct="a".
            values = ast.literal_eval(option_input.get("options", "()"))
            correct = option_input.get("correct", "")
            for o_index, value in enumerate(values):
                options.append(
                    {
                        "id": f"option_{o_index}",
                        "text": str(value),
                        "correct": str(value) == correct,
                        "feedback": "",
                    }
                )
    return {"kind": "dropdown", "id": response_id, "label": _label_html(node), "options": options}


@XBlock.needs("i18n")
class ProblemBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """An Open edX choice problem, graded one point per response."""

    has_score = True

    display_name = String(default="", scope=Scope.settings, help="Title shown to learners.")
    data = String(default="<problem/>", scope=Scope.content, help="The problem's OLX.")
    max_attempts = Integer(
        default=None, scope=Scope.settings, help="Submissions allowed; empty means no limit."
    )
    weight = Float(default=1.0, scope=Scope.settings, help="Weight in the course score.")

    attempts = Integer(default=0, scope=Scope.user_state, help="Submissions made so far.")
    student_answers = Dict(default={}, scope=Scope.user_state, help="Answers, by response id.")
    score = Float(default=None, scope=Scope.user_state, help="Latest score (0..1).")

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Keep the whole ``<problem>`` element; check that it parses."""
        block = runtime.construct_xblock_from_class(cls, keys)
        for name in ("display_name", "max_attempts", "weight"):
            if node.get(name) not in (None, ""):
                cls._set_field_if_present(block, name, node.get(name), {})
        block.data = etree.tostring(node, encoding="unicode")
        parse_problem(block.data)
        return block

    def parts(self) -> list[dict[str, Any]]:
        """Return the problem's parts (text and responses)."""
        return parse_problem(self.data)

    def responses(self) -> list[dict[str, Any]]:
        """Return the gradable responses."""
        return [p for p in self.parts() if p["kind"] in ("single", "multiple", "dropdown")]

    def max_score(self) -> float:
        """Return one point per response."""
        return float(len(self.responses()))

    def attempts_left(self) -> int | None:
        """Return the submissions left, ``None`` without a limit."""
        return None if not self.max_attempts else max(0, self.max_attempts - self.attempts)

    def student_view(self, context: Any = None) -> Fragment:
        """Show the text and the inputs of each response."""
        parts = []
        for part in self.parts():
            view = dict(part)
            if "html" in view:
                view["html"] = sanitize_html(view["html"])
            if "label" in view:
                view["label"] = sanitize_html(view["label"])
            parts.append(view)
        return self.fragment(
            "problem.html",
            js=("problem.js",),
            init="ProblemBlock",
            **self.heading(self.display_name, context),
            parts=parts,
            answers=self.student_answers,
            attempts_left=self.attempts_left(),
            score=self.score,
        )

    @json_handler
    def submit(self, data: dict[str, Any], suffix: str = "") -> dict[str, Any]:
        """Grade the answers (one point per response) and publish the grade."""
        if self.attempts_left() == 0:
            raise JsonHandlerError(409, self._("Đã hết lượt làm bài."))
        raw = data.get("answers")
        responses = self.responses()
        if not isinstance(raw, dict) or not responses:
            raise JsonHandlerError(400, self._("Hãy chọn một câu trả lời."))
        answers: dict[str, list[str]] = {}
        for response in responses:
            chosen = raw.get(response["id"])
            if not isinstance(chosen, list) or not chosen:
                raise JsonHandlerError(400, self._("Hãy chọn một câu trả lời."))
            answers[response["id"]] = [str(c) for c in chosen]
        correct = 0
        feedback: dict[str, dict[str, Any]] = {}
        for response in responses:
            chosen = set(answers[response["id"]])
            right = {o["id"] for o in response["options"] if o["correct"]}
            is_right = chosen == right
            correct += is_right
            feedback[response["id"]] = {
                "correct": is_right,
                "options": {
                    o["id"]: o["feedback"] for o in response["options"] if o["id"] in chosen
                },
            }
        self.attempts += 1
        self.student_answers = answers
        self.score = correct / len(responses)
        self.runtime.publish(
            self, "grade", {"value": float(correct), "max_value": self.max_score()}
        )
        return {
            "score": self.score,
            "feedback": feedback,
            "message": self._("Đúng rồi!") if correct == len(responses) else self._("Chưa đúng."),
            "attempts_left": self.attempts_left(),
        }

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return a one-response multiple choice problem."""
        return [
            (
                "problem: multiplechoiceresponse",
                '<problem display_name="Số điện thoại"><multiplechoiceresponse>'
                "<label>Tổng đài bảo vệ trẻ em là số nào?</label>"
                '<choicegroup type="MultipleChoice">'
                '<choice correct="false">113</choice><choice correct="true">111</choice>'
                "</choicegroup></multiplechoiceresponse></problem>",
            )
        ]
