"""Open edX ``<problem>`` (capa), graded as Open edX grades it, so existing exports keep working.

Answerable here: ``multiplechoiceresponse``, ``choiceresponse`` (checkboxes), ``optionresponse``
(drop-downs), ``truefalseresponse``, ``numericalresponse`` (tolerance, ranges) and
``stringresponse`` (case, regular expressions, additional answers), also when nested in
tables, divs or other wrappers. Hints as Open edX shows them (``choicehint``, ``compoundhint``,
``optionhint``, ``correcthint``, ``stringequalhint``, ``regexphint``), demand hints one at a
time, ``<solution>`` shown with the answer, show-answer and reset as the problem's settings
allow. Other response types show their text and a notice; they score nothing and, when a
problem has nothing answerable, the problem neither blocks completion nor counts in the score.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from sys import float_info
from typing import Any

from lxml import etree
from markupsafe import Markup, escape
from web_fragments.fragment import Fragment
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Dict, Float, Integer, Scope, String

from courses.blocks import html as html_block
from courses.blocks.base import CourseBlockMixin, _templates, json_handler
from courses.blocks.html import sanitize_html

#: Response types answerable here.
SUPPORTED_RESPONSES = frozenset(
    {
        "multiplechoiceresponse",
        "choiceresponse",
        "optionresponse",
        "truefalseresponse",
        "numericalresponse",
        "stringresponse",
    }
)
#: Open edX response types that are not answerable here (any other ``...response`` too).
UNSUPPORTED_RESPONSES = frozenset(
    {
        "formularesponse",
        "customresponse",
        "imageresponse",
        "symbolicresponse",
        "coderesponse",
        "schematicresponse",
        "javascriptresponse",
        "externalresponse",
        "annotationresponse",
        "choicetextresponse",
        "jsinput",
    }
)
INPUT_TAGS = frozenset(
    {"choicegroup", "checkboxgroup", "radiogroup", "optioninput", "textline",
     "formulaequationinput"}
)
#: Elements of a response that say how to grade it or what to hint: never shown as text.
GRADING_TAGS = frozenset(
    {
        "responseparam",
        "additional_answer",
        "correcthint",
        "stringequalhint",
        "regexphint",
        "hintgroup",
        "compoundhint",
        "choicehint",
        "optionhint",
        "stringhint",
        "numericalhint",
        "answer",
    }
)
#: Problem markup this block turns into HTML itself (not "removed" by the sanitiser).
PROBLEM_MARKUP = (
    SUPPORTED_RESPONSES
    | UNSUPPORTED_RESPONSES
    | INPUT_TAGS
    | GRADING_TAGS
    | {"problem", "choice", "option", "solution", "solutionset", "demandhint", "hint",
       "label", "description", "text", "textbox"}
)
#: How Open edX names the settings of ``showanswer``.
SHOWANSWER_VALUES = (
    "always",
    "answered",
    "attempted",
    "attempted_no_past_due",
    "closed",
    "finished",
    "correct_or_past_due",
    "past_due",
    "never",
    "after_attempts",
    "after_all_attempts",
    "after_all_attempts_or_correct",
)
#: Open edX's tolerance when a problem names none: a relative 0.001%.
DEFAULT_TOLERANCE = "0.001%"
#: Longest text answer read (longer ones are cut, as a text box would).
MAX_ANSWER_LENGTH = 500


def _token(name: str) -> str:
    """Return the text that marks where an input or a notice goes in the problem's body."""
    return f"\u27e6cb:{name}\u27e7"


class StudentInputError(ValueError):
    """A learner's answer that cannot be read (a number that is not one)."""


@dataclass
class Hint:
    """A hint of Open edX's extended hints: its HTML, its label and what triggers it."""

    html: str
    label: str | None = None
    selected: str = ""
    answer: str = ""


@dataclass
class Choice:
    """A choice of a choice group or an option of a drop-down."""

    id: str
    letter: str
    html: str
    correct: bool
    hints: list[Hint] = field(default_factory=list)


@dataclass
class Input:
    """One answer field of a response: graded one point, as Open edX grades an input."""

    id: str
    kind: str  # single, multiple, dropdown, numerical, text
    response: str
    label_html: str = ""
    description_html: str = ""
    choices: list[Choice] = field(default_factory=list)
    compound_hints: list[tuple[frozenset[str], Hint]] = field(default_factory=list)
    checkbox_hints: bool = False
    answer: str = ""
    tolerance: str = DEFAULT_TOLERANCE
    additional: list[tuple[str, Hint | None]] = field(default_factory=list)
    correct_hint: Hint | None = None
    regexp: bool = False
    case_insensitive: bool = False
    wrong_hints: list[tuple[Hint, bool]] = field(default_factory=list)
    size: int = 20


@dataclass
class ParsedProblem:
    """A problem's body (HTML with tokens where inputs and notices go) and its parts."""

    body: str
    inputs: list[Input]
    unsupported: list[tuple[str, str]]  # (token name, response tag)
    demand_hints: list[str]
    solutions: list[str]

    @property
    def unsupported_counts(self) -> dict[str, int]:
        """Return the response types not answerable here, with their count."""
        return dict(Counter(tag for _name, tag in self.unsupported))


class _Unsupported(Exception):
    """A response this parser cannot grade faithfully (script variables, bad answers)."""


# ------------------------------------------------------------------------------ numbers


_NUMBER_TEXT = re.compile(r"^[\d\s.,+\-*/^()%eEpisqrt]*$")
_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def evaluate_number(text: str) -> float:
    """Return the value of a number or a simple formula (``2.5``, ``1e3``, ``5%``, ``3/4``,
    ``2^10``, ``sqrt(2)``, ``pi``), as Open edX's calculator reads it.

    A decimal comma (``2,5``) reads as a point, as Vietnamese writes numbers.

    :raises StudentInputError: when ``text`` is not such a number.
    """
    source = text.strip()
    if "," in source and "." not in source:
        source = source.replace(",", ".")
    if not source or len(source) > 100 or not _NUMBER_TEXT.match(source):
        raise StudentInputError(text)
    source = re.sub(r"(\d+(?:\.\d*)?|\.\d+)\s*%", r"(\1*0.01)", source).replace("^", "**")
    try:
        tree = ast.parse(source, mode="eval")
        value = _evaluate(tree.body)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError) as error:
        raise StudentInputError(text) from error
    if math.isnan(value):
        raise StudentInputError(text)
    return value


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            if abs(right) > 1000 or abs(left) > 1e100:
                raise ValueError("power too large")
            result = left**right
            if isinstance(result, complex):
                raise ValueError("complex")
            return float(result)
        function = _BINARY.get(type(node.op))
        if function is not None:
            return function(left, right)
    if isinstance(node, ast.Name) and node.id in ("pi", "e"):
        return math.pi if node.id == "pi" else math.e
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "sqrt"
        and len(node.args) == 1
        and not node.keywords
    ):
        return math.sqrt(_evaluate(node.args[0]))
    raise ValueError("not a number")


def compare_with_tolerance(
    student: float, instructor: float, tolerance: str | float = DEFAULT_TOLERANCE,
    relative: bool = False,
) -> bool:
    """Tell whether ``student`` is within ``tolerance`` of ``instructor`` (Open edX's rule).

    A tolerance ``"5%"`` is 5% of the instructor's value; a number is absolute; the default
    (``"0.001%"``) is relative to the larger of the two values.
    """
    if isinstance(tolerance, str):
        if tolerance == DEFAULT_TOLERANCE:
            relative = True
        if tolerance.endswith("%"):
            amount = evaluate_number(tolerance[:-1]) * 0.01
            if not relative:
                amount *= abs(instructor)
        else:
            amount = evaluate_number(tolerance)
    else:
        amount = tolerance
    if relative:
        amount *= max(abs(student), abs(instructor))
    if math.isinf(student) or math.isinf(instructor):
        return student == instructor
    try:
        return abs(Decimal(str(student)) - Decimal(str(instructor))) <= Decimal(str(amount))
    except InvalidOperation:
        return False


def numerical_correct(item: Input, student: float) -> tuple[bool, int]:
    """Grade a numerical answer: (correct, index of the additional answer matched or -1)."""
    answer = item.answer
    correct = False
    if answer.startswith(("[", "(")) and answer.endswith(("]", ")")):
        low_text, high_text = answer[1:-1].split(",")
        inclusion = (answer.startswith("["), answer.endswith("]"))
        boundaries = [evaluate_number(low_text), evaluate_number(high_text)]
        for included, boundary in zip(inclusion, boundaries, strict=True):
            if compare_with_tolerance(student, boundary, float_info.epsilon, relative=True):
                correct = included
                break
        else:
            correct = boundaries[0] < student < boundaries[1]
    else:
        correct = compare_with_tolerance(student, evaluate_number(answer), item.tolerance)
    if not correct:
        for index, (extra, _hint) in enumerate(item.additional):
            if student == evaluate_number(extra):
                return True, index
    return correct, -1


# ------------------------------------------------------------------------------ strings


def _string_matches(item: Input, expected: list[str], given: str) -> bool:
    """Open edX's ``StringResponse.check_string``."""
    if not given:
        return False
    if item.regexp:
        flags = re.IGNORECASE if item.case_insensitive else 0
        return bool(re.search("^" + "|".join(expected) + "$", given, flags | re.UNICODE))
    if item.case_insensitive:
        return given.lower() in [e.lower() for e in expected]
    return given in expected


def _hint_matches(hint: Hint, given: str, regex: bool, case_insensitive: bool) -> bool:
    """Open edX's ``StringResponse.match_hint_node``."""
    answer = hint.answer.strip()
    if not answer:
        return False
    if regex:
        flags = re.IGNORECASE if case_insensitive else 0
        try:
            return bool(re.search("^" + answer + "$", given, flags | re.UNICODE))
        except re.error:
            return False
    return answer.lower() == given.lower() if case_insensitive else answer == given


# ------------------------------------------------------------------------------ parsing


def _inner_html(node: Any) -> str:
    text = node.text or ""
    return (text + "".join(
        etree.tostring(child, encoding="unicode", with_tail=True)
        for child in node
        if isinstance(child.tag, str)
    )).strip()


def _text(node: Any) -> str:
    return " ".join("".join(node.itertext()).split())


def _remove(node: Any) -> None:
    """Remove ``node`` from its parent, keeping the text that follows it."""
    _replace_with_text(node, "")


def _replace_with_text(node: Any, text: str) -> None:
    """Put ``text`` (and the text after ``node``) where ``node`` was."""
    parent = node.getparent()
    following = text + (node.tail or "")
    previous = node.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + following
    else:
        parent.text = (parent.text or "") + following
    parent.remove(node)


def _hint(node: Any | None) -> Hint | None:
    if node is None:
        return None
    html = _inner_html(node)
    if not html:
        return None
    return Hint(html=html, label=node.get("label"), selected=(node.get("selected") or "").lower(),
                answer=node.get("answer") or "")


class _Parser:
    """Walks a ``<problem>`` once, turning responses into inputs and notices."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self.has_script = root.find(".//script") is not None
        self.inputs: list[Input] = []
        self.unsupported: list[tuple[str, str]] = []
        self.demand_hints: list[str] = []
        self.solutions: list[str] = []

    def walk(self, node: Any) -> None:
        for child in list(node):
            tag = child.tag
            if not isinstance(tag, str):
                _remove(child)
            elif tag == "demandhint":
                self.demand_hints += [_inner_html(h) for h in child.iterchildren("hint")]
                _remove(child)
            elif tag in ("solution", "solutionset"):
                self._solutions(child)
                _remove(child)
            elif tag in ("script", "style"):
                _remove(child)
            elif tag in SUPPORTED_RESPONSES:
                self.response(child)
            elif tag in UNSUPPORTED_RESPONSES or tag.endswith("response"):
                self.not_answerable(child)
            else:
                self.walk(child)

    def _solutions(self, node: Any) -> None:
        found = [node] if node.tag == "solution" else list(node.iter("solution"))
        self.solutions += [html for html in (_inner_html(s) for s in found) if html]

    def _take_solutions(self, node: Any) -> None:
        """Collect and remove the solutions inside a response (outermost ones only)."""
        for solution in list(node.iter("solution", "solutionset")):
            if not any(a.tag in ("solution", "solutionset") for a in solution.iterancestors()):
                self._solutions(solution)
                _remove(solution)

    def response(self, node: Any) -> None:
        try:
            inputs = self._inputs(node)
        except (_Unsupported, ValueError, SyntaxError, re.error):
            self.not_answerable(node)
            return
        self._take_solutions(node)
        label = node.find("label")
        descriptions = node.findall("description")
        if inputs:
            if label is not None:
                inputs[0].label_html = _inner_html(label)
            inputs[0].description_html = " ".join(_inner_html(d) for d in descriptions)
        for element in ([label] if label is not None else []) + descriptions:
            _remove(element)
        for element in list(node.iter()):
            if (
                element is not node
                and element.getparent() is not None
                and (element.tag in GRADING_TAGS or not isinstance(element.tag, str))
            ):
                _remove(element)
        self.inputs += inputs
        node.tag = "div"
        node.attrib.clear()
        node.set("class", "cb-response")

    def not_answerable(self, node: Any) -> None:
        """Replace a response that cannot be answered here with its text and a notice."""
        name = f"u{len(self.unsupported) + 1}"
        self.unsupported.append((name, node.tag))
        self._take_solutions(node)
        for child in list(node):
            if not isinstance(child.tag, str) or child.tag in INPUT_TAGS | GRADING_TAGS or (
                child.tag in ("script", "style", "jsinput", "textbox", "schematic",
                              "imageinput", "drag_and_drop_input", "crystallography",
                              "chemicalequationinput", "vsepr_input", "editageneinput",
                              "designprotein2dinput", "annotationinput", "matlabinput",
                              "filesubmission", "formulaequationinput")
            ):
                _remove(child)
            elif child.tag in ("label", "description"):
                child.tag = "p"
                child.attrib.clear()
        node.text = _token(name) + (node.text or "")
        node.tag = "div"
        node.attrib.clear()
        node.set("class", "cb-unsupported")

    def _next_id(self, offset: int = 0) -> str:
        return f"r{len(self.inputs) + offset + 1}"

    def _inputs(self, node: Any) -> list[Input]:
        tag = node.tag
        fields = [n for n in node.iter() if n.tag in INPUT_TAGS]
        if not fields:
            raise _Unsupported(tag)
        if tag == "optionresponse":
            inputs = [self._dropdown(f, self._next_id(i)) for i, f in enumerate(fields)]
        else:
            first = fields[0]
            if tag in ("multiplechoiceresponse", "truefalseresponse"):
                item = self._multiple_choice(node, tag)
            elif tag == "choiceresponse":
                item = self._checkboxes(node, first)
            elif tag == "numericalresponse":
                item = self._numerical(node)
            else:
                item = self._string(node)
            if first.get("size", "").isdigit():
                item.size = min(int(first.get("size")), 60)
            if not item.label_html and first.get("label"):
                item.label_html = str(escape(first.get("label")))
            inputs = [item]
            for extra in fields[1:]:
                _remove(extra)
            fields = fields[:1]
        for item, element in zip(inputs, fields, strict=True):
            _replace_with_text(element, _token(item.id))
        return inputs

    def _choice(self, choice: Any, name: str, index: int, hint_tag: str) -> Choice:
        hints = [h for h in (_hint(n) for n in choice.findall(hint_tag)) if h is not None]
        for node in choice.findall(hint_tag):
            _remove(node)
        return Choice(
            id=name,
            letter=(choice.get("id") or chr(ord("A") + index)).upper(),
            html=_inner_html(choice),
            correct=(choice.get("correct") or "").strip().upper() == "TRUE",
            hints=hints,
        )

    def _multiple_choice(self, node: Any, tag: str) -> Input:
        choices: list[Choice] = []
        counter = 0
        for group in node.iter("choicegroup"):
            for index, choice in enumerate(group.iterchildren("choice")):
                if choice.get("name") is not None:
                    name = "choice_" + choice.get("name")
                else:
                    name = f"choice_{counter}"
                    counter += 1
                choices.append(self._choice(choice, name, index, "choicehint"))
        kind = "multiple" if tag == "truefalseresponse" else "single"
        return Input(id=self._next_id(), kind=kind, response=tag, choices=choices)

    def _checkboxes(self, node: Any, group: Any) -> Input:
        choices = [
            self._choice(choice, f"choice_{index}", index, "choicehint")
            for index, choice in enumerate(node.iter("choice"))
        ]
        compound = []
        for hint_node in group.findall("compoundhint"):
            hint = _hint(hint_node)
            if hint is not None:
                compound.append((frozenset((hint_node.get("value") or "").upper().split()), hint))
        kind = "multiple" if group.tag == "checkboxgroup" else "single"
        return Input(id=self._next_id(), kind=kind, response="choiceresponse", choices=choices,
                     compound_hints=compound, checkbox_hints=group.tag == "checkboxgroup")

    def _dropdown(self, field_node: Any, input_id: str) -> Input:
        options = list(field_node.iterchildren("option"))
        choices: list[Choice] = []
        if options:
            for index, option in enumerate(options):
                choices.append(self._choice(option, f"option_{index}", index, "optionhint"))
        else:
            # Old style: options="('a','b')" correct="a".
            values = ast.literal_eval(field_node.get("options", "()"))
            if isinstance(values, str):
                values = (values,)
            correct = (field_node.get("correct") or "").strip()
            for index, value in enumerate(values):
                choices.append(Choice(id=f"option_{index}", letter="", html=str(escape(value)),
                                      correct=str(value).strip() == correct))
        return Input(id=input_id, kind="dropdown", response="optionresponse", choices=choices)

    def _numerical(self, node: Any) -> Input:
        answer = (node.get("answer") or "").strip()
        if not answer or "$" in answer:
            raise _Unsupported("numericalresponse")
        item = Input(id=self._next_id(), kind="numerical", response="numericalresponse",
                     answer=answer)
        if answer.startswith(("[", "(")) and answer.endswith(("]", ")")):
            bounds = answer[1:-1].split(",")
            if len(bounds) != 2:
                raise _Unsupported("numericalresponse")
            for bound in bounds:
                evaluate_number(bound)
        else:
            evaluate_number(answer)
            tolerance = node.find(".//responseparam[@type='tolerance']")
            if tolerance is not None and (tolerance.get("default") or "").strip():
                item.tolerance = tolerance.get("default").strip()
                if "$" in item.tolerance:
                    raise _Unsupported("numericalresponse")
                evaluate_number(item.tolerance.rstrip("%"))
        for extra in node.findall("additional_answer"):
            value = (extra.get("answer") or "").strip()
            evaluate_number(value)
            item.additional.append((value, _hint(extra.find("correcthint"))))
        item.correct_hint = _hint(node.find("correcthint"))
        return item

    def _string(self, node: Any) -> Input:
        answer = node.get("answer")
        if answer is None or (self.has_script and "$" in answer):
            raise _Unsupported("stringresponse")
        kinds = (node.get("type") or "").lower().split(" ")
        item = Input(id=self._next_id(), kind="text", response="stringresponse",
                     regexp="regexp" in kinds, case_insensitive="ci" in kinds)
        if "_or_" in answer.lower():
            expected = [a.strip() for a in re.split("_or_", answer, flags=re.IGNORECASE)]
        else:
            expected = [answer.strip()]
        for extra in node.findall("additional_answer"):
            # Before 2015 the answer was the element's text (Open edX's make_xml_compatible).
            value = extra.get("answer")
            if value is None:
                value = extra.text or ""
            expected.append(value.strip())
            hint = _hint(extra.find("correcthint"))
            if hint is not None:
                hint.answer = value
            item.additional.append((value.strip(), hint))
        if item.regexp:
            re.compile("^" + "|".join(expected) + "$")
        item.correct_hint = _hint(node.find("correcthint"))
        for tag, regex in (("stringequalhint", False), ("regexphint", True)):
            for hint_node in node.findall(tag):
                hint = _hint(hint_node)
                if hint is not None:
                    item.wrong_hints.append((hint, regex))
        item.answer = "\n".join(expected)
        return item


def parse_problem(xml: str) -> ParsedProblem:
    """Read a problem's OLX: its body with tokens, its inputs, hints and solutions.

    :raises etree.XMLSyntaxError: for XML that does not parse.
    :raises ValueError, SyntaxError: for an old-style drop-down whose options do not parse.
    """
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    parser = _Parser(root)
    parser.walk(root)
    return ParsedProblem(
        body=_inner_html(root),
        inputs=parser.inputs,
        unsupported=parser.unsupported,
        demand_hints=parser.demand_hints,
        solutions=parser.solutions,
    )


@functools.lru_cache(maxsize=256)
def _parsed(xml: str) -> ParsedProblem:
    return parse_problem(xml)


# ------------------------------------------------------------------------------ grading


@dataclass
class Graded:
    """The grade of one input: correct or not, and the hints it earned (label, HTML list)."""

    correct: bool
    hints: list[str] = field(default_factory=list)
    label: str | None = None


def expected_strings(item: Input) -> list[str]:
    """Return the answers a text input accepts (the main one first)."""
    return item.answer.split("\n")


def grade_input(item: Input, answer: list[str]) -> Graded:
    """Grade one input as Open edX does, with the extended hints it shows.

    :param answer: the chosen choice ids, or a one-item list with the typed text.
    :raises StudentInputError: for a numerical answer that is not a number.
    """
    if item.kind in ("single", "multiple", "dropdown"):
        return _grade_choices(item, answer)
    given = answer[0].strip() if answer else ""
    if item.kind == "numerical":
        if not given:
            return Graded(False)
        correct, extra = numerical_correct(item, evaluate_number(given))
        hint = None
        if correct:
            hint = item.correct_hint if extra < 0 else item.additional[extra][1]
        return Graded(correct, [hint.html] if hint else [], hint.label if hint else None)
    expected = expected_strings(item)
    correct = _string_matches(item, expected, given)
    if given and _string_matches(item, expected[:1], given):
        hint = item.correct_hint
        return Graded(correct, [hint.html] if hint else [], hint.label if hint else None)
    if given:
        for value, extra_hint in item.additional:
            probe = Hint(html="", answer=value)
            if _hint_matches(probe, given, item.regexp, item.case_insensitive):
                if extra_hint is not None:
                    return Graded(correct, [extra_hint.html], extra_hint.label)
                return Graded(correct)
        for wrong, regex in item.wrong_hints:
            if _hint_matches(wrong, given, regex, item.case_insensitive):
                return Graded(correct, [wrong.html], wrong.label)
    return Graded(correct)


def _grade_choices(item: Input, answer: list[str]) -> Graded:
    chosen = set(answer)
    right = {c.id for c in item.choices if c.correct}
    if item.response == "optionresponse" or item.kind == "single":
        if item.response == "choiceresponse":
            correct = bool(chosen) and chosen == right
        else:
            correct = len(chosen) == 1 and chosen <= right
        picked = [c for c in item.choices if c.id in chosen][:1]
        if item.response == "choiceresponse" or not picked or not picked[0].hints:
            return Graded(correct)
        hint = picked[0].hints[0]
        return Graded(correct, [hint.html], hint.label)
    correct = bool(chosen) and chosen == right
    if not item.checkbox_hints:
        return Graded(correct)
    letters = {c.letter for c in item.choices if c.id in chosen}
    for selectors, compound in item.compound_hints:
        if chosen and selectors == letters:
            return Graded(correct, [compound.html], compound.label)
    hints: list[str] = []
    labels: list[str] = []
    for choice in item.choices:
        selector = "true" if choice.id in chosen else "false"
        for hint in choice.hints:
            if hint.selected == selector:
                if hint.label is not None:
                    labels.append(hint.label)
                hints.append(hint.html)
    return Graded(correct, hints, labels[0] if len(labels) == 1 else None)


# ------------------------------------------------------------------------------ the block


@XBlock.needs("i18n")
@XBlock.wants("replace_urls")
class ProblemBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """An Open edX problem, one point per answerable input, as Open edX grades it."""

    display_name = String(default="", scope=Scope.settings, help="Title shown to learners.")
    data = String(default="<problem/>", scope=Scope.content, help="The problem's OLX.")
    max_attempts = Integer(
        default=None, scope=Scope.settings,
        help="Submissions allowed; empty means no limit (0: closed, as in Open edX).",
    )
    weight = Float(default=1.0, scope=Scope.settings, help="Weight in the course score.")
    showanswer = String(
        default="finished", scope=Scope.settings, values=SHOWANSWER_VALUES,
        help="When the answer may be shown (Open edX's showanswer values).",
    )
    attempts_before_showanswer_button = Integer(
        default=0, scope=Scope.settings,
        help="Submissions before the answer may be shown (showanswer after_attempts).",
    )
    show_reset_button = Boolean(
        default=False, scope=Scope.settings,
        help="Offer a button that clears the answers (attempts stay counted).",
    )

    attempts = Integer(default=0, scope=Scope.user_state, help="Submissions made so far.")
    student_answers = Dict(default={}, scope=Scope.user_state, help="Answers, by input id.")
    correct_map = Dict(
        default={}, scope=Scope.user_state,
        help="The latest grading, by input id: correct or not and the hint shown.",
    )
    done = Boolean(
        default=False, scope=Scope.user_state,
        help="Submitted and not reset since (Open edX's done).",
    )
    score = Float(default=None, scope=Scope.user_state, help="Latest score (0..1).")

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Keep the whole ``<problem>`` element and its settings; check that it parses."""
        block = runtime.construct_xblock_from_class(cls, keys)
        for name in ("display_name", "max_attempts", "weight", "showanswer",
                     "attempts_before_showanswer_button", "show_reset_button"):
            value = node.get(name)
            if value not in (None, ""):
                if name == "showanswer" and value not in SHOWANSWER_VALUES:
                    continue
                cls._set_field_if_present(block, name, value, {})
        block.data = etree.tostring(node, encoding="unicode")
        parse_problem(block.data)
        return block

    # -- what the problem is

    def problem(self) -> ParsedProblem:
        """Return the parsed problem (parsed once per text: blocks read it often)."""
        return _parsed(self.data)

    def answerable(self) -> bool:
        """Tell whether at least one response can be answered here."""
        return bool(self.problem().inputs)

    @property
    def has_score(self) -> bool:
        """Score only a problem with something to answer (weight 0 otherwise)."""
        return self.answerable()

    @property
    def completion_mode(self) -> str:
        """A problem with nothing answerable here is excluded from completion."""
        if self.answerable():
            return str(XBlockCompletionMode.COMPLETABLE)
        return str(XBlockCompletionMode.EXCLUDED)

    def max_score(self) -> float:
        """Return one point per answerable input."""
        return float(len(self.problem().inputs))

    def olx_import_notes(self) -> dict[str, Any]:
        """Return what the import report lists about this problem."""
        parsed = self.problem()
        notes: dict[str, Any] = {
            "unsupported_responses": parsed.unsupported_counts,
            "answerable": bool(parsed.inputs),
        }
        removed_elements = getattr(html_block, "removed_elements", None)
        if removed_elements is not None:
            notes["removed_elements"] = removed_elements(self.data, also_allowed=PROBLEM_MARKUP)
        return notes

    # -- Open edX's rules

    def attempts_left(self) -> int | None:
        """Return the submissions left, ``None`` without a limit."""
        if self.max_attempts is None:
            return None
        return max(0, int(self.max_attempts) - int(self.attempts))

    def closed(self) -> bool:
        """Tell whether no submission is left (no due dates here)."""
        return self.max_attempts is not None and int(self.attempts) >= int(self.max_attempts)

    def is_correct(self) -> bool:
        """Tell whether the latest score is full marks."""
        return self.score is not None and self.score >= 1.0

    def answer_available(self) -> bool:
        """Tell whether the answer may be shown (Open edX's ``answer_available``; past-due
        rules are never met: problems here have no due date)."""
        rule = self.showanswer
        if rule == "always":
            return True
        if rule in ("attempted", "attempted_no_past_due"):
            return int(self.attempts) > 0
        if rule == "answered":
            return self.is_correct()
        if rule == "closed":
            return self.closed()
        if rule == "finished":
            return self.closed() or self.is_correct()
        if rule == "correct_or_past_due":
            return self.is_correct()
        if rule == "after_attempts":
            required = self.attempts_before_showanswer_button or 0
            if self.max_attempts and required >= self.max_attempts:
                required = self.max_attempts
            return int(self.attempts) >= int(required)
        if rule == "after_all_attempts":
            return self.closed()
        if rule == "after_all_attempts_or_correct":
            return self.closed() or self.is_correct()
        return False  # never, past_due

    def reset_available(self) -> bool:
        """Tell whether the reset button shows (Open edX's ``should_show_reset_button``)."""
        if self.closed() and self.max_attempts != 0:
            return False
        if self.is_correct():
            return False
        return bool(self.show_reset_button)

    # -- showing it

    def _clean(self, html: str) -> str:
        """Point course links at this LMS's files and units, then sanitise."""
        replace = self.runtime.service(self, "replace_urls")
        if replace is not None:
            html = replace.replace_urls(html)
        return sanitize_html(html)

    def _hint_html(self, graded: Graded) -> str:
        if not graded.hints:
            return ""
        label = graded.label
        if label is None:
            label = self._("Đúng:") if graded.correct else self._("Chưa đúng:")
        # The hints are sanitised course HTML; only the label is plain text.
        texts = "".join(
            f'<span class="cb-hint-text">{self._clean(h)}</span>' for h in graded.hints
        )
        label_html = f'<span class="cb-hint-label">{escape(label)} </span>' if label else ""
        return label_html + texts

    def student_view(self, context: Any = None) -> Fragment:
        """Show the problem's text with its inputs in place, hints and buttons."""
        parsed = self.problem()
        prefix = re.sub(r"[^A-Za-z0-9_-]", "-", str(self.scope_ids.usage_id))
        body = self._clean(parsed.body)
        template = _templates().get_template("problem_input.html")
        for item in parsed.inputs:
            view = {
                "item": item,
                "label": self._clean(item.label_html) if item.label_html else "",
                "description": self._clean(item.description_html),
                "choices": [(c, self._clean(c.html)) for c in item.choices],
                "prefix": prefix,
                "answer": self.student_answers.get(item.id, []),
                "graded": self.correct_map.get(item.id),
            }
            rendered = template.render(_=self._, **view)
            token = _token(item.id)
            body = body.replace(token, rendered) if token in body else body + rendered
        for name, tag in parsed.unsupported:
            notice = str(Markup('<p class="cb-notice" role="note">{}</p>').format(
                self._("Dạng câu hỏi này chưa được hỗ trợ ở đây: %(type)s. Câu này không tính "
                       "điểm và không ảnh hưởng việc hoàn thành.") % {"type": tag}
            ))
            body = body.replace(_token(name), notice)
        return self.fragment(
            "problem.html",
            css=("problem.css",),
            js=("problem.js",),
            init="ProblemBlock",
            **self.heading(self.display_name, context),
            body=body,
            answerable=bool(parsed.inputs),
            demand_hints=len(parsed.demand_hints),
            attempts_left=self.attempts_left(),
            score=self.score,
            closed=self.closed(),
            answer_available=self.answer_available(),
            reset_available=self.reset_available(),
            prefix=prefix,
        )

    # -- handlers

    def _read_answers(self, data: Any, inputs: list[Input]) -> dict[str, list[str]]:
        raw = data.get("answers") if isinstance(data, dict) else None
        if not isinstance(raw, dict):
            raise JsonHandlerError(400, self._("Câu trả lời gửi lên không đúng dạng."))
        answers: dict[str, list[str]] = {}
        for item in inputs:
            value = raw.get(item.id)
            if value is None:
                continue
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise JsonHandlerError(400, self._("Câu trả lời gửi lên không đúng dạng."))
            value = [v[:MAX_ANSWER_LENGTH] for v in value[:50]]
            if item.kind in ("single", "multiple", "dropdown"):
                known = {c.id for c in item.choices}
                value = [v for v in value if v in known]
                if item.kind != "multiple":
                    value = value[:1]
            else:
                value = value[:1] if value and value[0].strip() else []
            if value:
                answers[item.id] = value
        if not answers:
            raise JsonHandlerError(400, self._("Hãy trả lời trước khi nộp bài."))
        return answers

    @json_handler
    def submit(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Grade the answers (one point per input), publish the grade, return the hints."""
        parsed = self.problem()
        if not parsed.inputs:
            raise JsonHandlerError(
                400, self._("Câu hỏi này không có phần nào trả lời được ở đây.")
            )
        if self.closed():
            raise JsonHandlerError(409, self._("Đã hết lượt làm bài."))
        answers = self._read_answers(data, parsed.inputs)
        results: dict[str, Graded] = {}
        for item in parsed.inputs:
            try:
                results[item.id] = grade_input(item, answers.get(item.id, []))
            except StudentInputError:
                raise JsonHandlerError(
                    400,
                    self._("Không đọc được “%(answer)s” là một số.")
                    % {"answer": answers[item.id][0]},
                ) from None
        correct = sum(1 for r in results.values() if r.correct)
        total = len(parsed.inputs)
        feedback = {
            item_id: {"correct": r.correct, "hint_html": self._hint_html(r)}
            for item_id, r in results.items()
        }
        self.attempts += 1
        self.done = True
        self.student_answers = answers
        self.correct_map = feedback
        self.score = correct / total
        self.runtime.publish(self, "grade", {"value": float(correct), "max_value": float(total)})
        if correct == total:
            message = self._("Đúng rồi!")
        elif correct:
            message = self._("Đúng một phần.")
        else:
            message = self._("Chưa đúng.")
        return {
            "score": self.score,
            "feedback": feedback,
            "message": message,
            **self._state(),
        }

    def _state(self) -> dict[str, Any]:
        return {
            "attempts": self.attempts,
            "attempts_left": self.attempts_left(),
            "submit_enabled": not self.closed(),
            "answer_available": self.answer_available(),
            "reset_available": self.reset_available(),
        }

    @json_handler
    def show_answer(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Return the correct answers and the solutions, when the settings allow it."""
        if not self.answer_available():
            raise JsonHandlerError(403, self._("Chưa thể xem đáp án của câu hỏi này."))
        parsed = self.problem()
        answers: dict[str, Any] = {}
        for item in parsed.inputs:
            if item.kind in ("single", "multiple", "dropdown"):
                answers[item.id] = {"choices": [c.id for c in item.choices if c.correct]}
            else:
                shown = item.answer.split("\n") if item.kind == "text" else [item.answer] + [
                    a for a, _h in item.additional
                ]
                answers[item.id] = {"text": (" " + self._("hoặc") + " ").join(shown)}
        return {
            "answers": answers,
            "solutions": [self._clean(s) for s in parsed.solutions],
            "label": self._("Đáp án"),
        }

    @json_handler
    def reset(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Clear the answers (attempts stay counted), as Open edX's reset does."""
        if self.closed():
            raise JsonHandlerError(409, self._("Không thể làm lại câu hỏi đã hết lượt làm."))
        if not self.reset_available():
            raise JsonHandlerError(409, self._("Câu hỏi này không cho làm lại."))
        if not self.done:
            raise JsonHandlerError(400, self._("Cần nộp bài trước khi làm lại."))
        total = len(self.problem().inputs)
        self.student_answers = {}
        self.correct_map = {}
        self.done = False
        self.score = 0.0
        self.runtime.publish(self, "grade", {"value": 0.0, "max_value": float(total)})
        return {"reset": True, **self._state()}

    @json_handler
    def demand_hint(self, data: Any, suffix: str = "") -> dict[str, Any]:
        """Return the demand hints up to the one asked for (``hint_index``), one more each time."""
        hints = self.problem().demand_hints
        if not hints:
            raise JsonHandlerError(400, self._("Câu hỏi này không có gợi ý."))
        index = data.get("hint_index", 0) if isinstance(data, dict) else None
        if isinstance(index, bool) or not isinstance(index, int):
            raise JsonHandlerError(400, self._("Số thứ tự gợi ý không hợp lệ."))
        index = index % len(hints)
        shown = [
            {
                "label": self._("Gợi ý (%(number)s trên %(count)s): ")
                % {"number": number + 1, "count": len(hints)},
                "html": self._clean(hints[number]),
            }
            for number in range(index + 1)
        ]
        return {
            "hint_index": index,
            "hints": shown,
            "should_enable_next_hint": index + 1 < len(hints),
        }

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return a multiple choice problem and a nested one with a number and hints."""
        return [
            (
                "problem: multiplechoiceresponse",
                '<problem display_name="Số điện thoại"><multiplechoiceresponse>'
                "<label>Tổng đài bảo vệ trẻ em là số nào?</label>"
                '<choicegroup type="MultipleChoice">'
                '<choice correct="false">113</choice><choice correct="true">111</choice>'
                "</choicegroup></multiplechoiceresponse></problem>",
            ),
            (
                "problem: nested choices, a number and hints",
                '<problem display_name="Tổng đài 111" showanswer="always">'
                "<div><p>Đọc kỹ rồi trả lời.</p><table><tr><td>"
                "<multiplechoiceresponse><label>Gọi 111 có mất tiền không?</label>"
                '<choicegroup type="MultipleChoice">'
                '<choice correct="true">Không<choicehint>Đúng, gọi miễn phí.</choicehint>'
                '</choice><choice correct="false">Có<choicehint>Gọi 111 không mất tiền.'
                "</choicehint></choice></choicegroup></multiplechoiceresponse></td></tr></table>"
                '</div><numericalresponse answer="24"><label>Tổng đài mở mấy giờ một ngày?'
                '</label><responseparam type="tolerance" default="0"/><formulaequationinput/>'
                "</numericalresponse><demandhint><hint>Tổng đài mở cả ngày lẫn đêm.</hint>"
                "<hint>Một ngày có 24 giờ.</hint></demandhint>"
                "<solution><p>Tổng đài 111 miễn phí và mở 24 giờ mỗi ngày.</p></solution>"
                "</problem>",
            ),
        ]
