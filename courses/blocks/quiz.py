"""A quiz: single choice, multiple choice and true/false questions with feedback per option."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Dict, Float, Integer, List, Scope, String

from courses.blocks.base import CourseBlockMixin, json_handler, localized_text

QUESTION_KINDS = ("single", "multiple", "truefalse")


@dataclass(frozen=True)
class ShownOption:
    """An answer option as the learner sees it: in their language, without whether it is
    right or its feedback (the ``submit`` handler sends those back)."""

    id: str
    text: str
    image: str
    image_alt: str


@dataclass(frozen=True)
class ShownQuestion:
    """A question as the learner sees it (see :class:`ShownOption`)."""

    id: str
    kind: str
    prompt: str
    options: list[ShownOption]


def parse_questions(node: Any) -> list[dict[str, Any]]:
    """Read ``<question>`` elements (see :class:`QuizBlock`) into plain dicts."""
    questions = []
    for q_index, q_node in enumerate(node.iterchildren("question"), start=1):
        kind = q_node.get("kind", "single")
        if kind not in QUESTION_KINDS:
            raise ValueError(f"Unknown question kind {kind!r}: use one of {QUESTION_KINDS}.")
        prompt, prompt_en = localized_text(q_node, "prompt")
        options = []
        if kind == "truefalse":
            answer = q_node.get("answer", "true").lower() == "true"
            for option_id, label, label_en, value in (
                ("true", "Đúng", "True", True),
                ("false", "Sai", "False", False),
            ):
                fb_vi, fb_en = _feedback_for(q_node, option_id)
                options.append(
                    {
                        "id": option_id,
                        "text": label,
                        "text_en": label_en,
                        "correct": value == answer,
                        "feedback": fb_vi,
                        "feedback_en": fb_en,
                    }
                )
        else:
            for o_index, o_node in enumerate(q_node.iterchildren("option"), start=1):
                text, text_en = localized_text(o_node, "text")
                if not text:
                    text = " ".join("".join(o_node.itertext()).split())
                fb_vi, fb_en = localized_text(o_node, "feedback")
                alt, alt_en = localized_text(o_node, "alt")
                options.append(
                    {
                        "id": o_node.get("id", f"o{o_index}"),
                        "text": text,
                        "text_en": text_en,
                        "correct": o_node.get("correct", "false").lower() == "true",
                        "feedback": fb_vi,
                        "feedback_en": fb_en,
                        # A picture choice: the option shows an image described by <alt>.
                        "image": o_node.get("image", ""),
                        "image_alt": alt,
                        "image_alt_en": alt_en,
                    }
                )
        if not any(o["correct"] for o in options):
            raise ValueError(f"Question {q_index} has no correct option.")
        questions.append(
            {
                "id": q_node.get("id", f"q{q_index}"),
                "kind": kind,
                "prompt": prompt,
                "prompt_en": prompt_en,
                "options": options,
            }
        )
    return questions


def _feedback_for(q_node: Any, option_id: str) -> tuple[str, str]:
    vi = en = ""
    for f in q_node.iterchildren("feedback"):
        if f.get("for") == option_id:
            text = " ".join("".join(f.itertext()).split())
            if f.get("lang") == "en":
                en = text
            else:
                vi = text
    return vi, en


def grade_answers(
    questions: list[dict[str, Any]], answers: dict[str, list[str]]
) -> tuple[int, dict[str, dict[str, Any]]]:
    """Return the number of questions answered right and, per question, the result.

    A multiple-choice question is right when exactly the correct options are chosen.
    """
    correct_count = 0
    results: dict[str, dict[str, Any]] = {}
    for question in questions:
        chosen = set(answers.get(question["id"], []))
        right = {o["id"] for o in question["options"] if o["correct"]}
        is_right = chosen == right
        correct_count += is_right
        results[question["id"]] = {"correct": is_right, "chosen": sorted(chosen)}
    return correct_count, results


@XBlock.needs("i18n")
@XBlock.wants("replace_urls")
class QuizBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """A graded quiz; each submission publishes a grade (the latest counts).

    OLX::

        <quiz display_name="..." pass_mark="0.7" max_attempts="3" weight="1">
          <question id="q1" kind="single">
            <prompt>...</prompt><prompt lang="en">...</prompt>
            <option id="a" correct="true"><text>...</text><feedback>...</feedback></option>
            <option id="b"><text>...</text><feedback>...</feedback></option>
          </question>
          <question id="q3" kind="single">
            <prompt>...</prompt>
            <option id="a" correct="true" image="/static/picture.svg">
              <alt>mô tả ảnh</alt><alt lang="en">image description</alt>
              <text>...</text><feedback>...</feedback>
            </option>
            ...
          </question>
          <question id="q2" kind="truefalse" answer="false">
            <prompt>...</prompt><feedback for="true">...</feedback>
          </question>
        </quiz>

    ``read_aloud="true"`` adds a button that reads the questions and options aloud.
    """

    has_score = True

    display_name = String(default="", scope=Scope.settings, help="Title shown to learners.")
    display_name_en = String(default="", scope=Scope.settings, help="English title, optional.")
    questions = List(default=[], scope=Scope.content, help="Questions, options and feedback.")
    pass_mark = Float(default=0.7, scope=Scope.settings, help="Share of right answers to pass.")
    max_attempts = Integer(
        default=0, scope=Scope.settings, help="Submissions allowed; 0 means no limit."
    )
    weight = Float(default=1.0, scope=Scope.settings, help="Weight in the course score.")
    read_aloud = Boolean(
        default=False, scope=Scope.settings, help="Offer a button that reads the questions aloud."
    )

    attempts = Integer(default=0, scope=Scope.user_state, help="Submissions made so far.")
    answers = Dict(default={}, scope=Scope.user_state, help="Options chosen, by question id.")
    score = Float(default=None, scope=Scope.user_state, help="Latest score (0..1).")

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Read the attributes and the ``<question>`` elements."""
        block = runtime.construct_xblock_from_class(cls, keys)
        for name in (
            "display_name",
            "display_name_en",
            "pass_mark",
            "max_attempts",
            "weight",
            "read_aloud",
        ):
            if node.get(name) is not None:
                cls._set_field_if_present(block, name, node.get(name), {})
        block.questions = parse_questions(node)
        return block

    def max_score(self) -> float:
        """Return the highest score: one point per question."""
        return float(len(self.questions))

    def attempts_left(self) -> int | None:
        """Return the submissions left, ``None`` without a limit."""
        return None if not self.max_attempts else max(0, self.max_attempts - self.attempts)

    def _localized_questions(self) -> list[ShownQuestion]:
        """Return the questions in the learner's language, without the answers."""
        pick = self.pick
        return [
            ShownQuestion(
                id=q["id"],
                kind=q["kind"],
                prompt=pick(q["prompt"], q["prompt_en"]),
                options=[
                    ShownOption(
                        id=o["id"],
                        text=self._(o["text"])
                        if q["kind"] == "truefalse"
                        else pick(o["text"], o["text_en"]),
                        image=self._static_url(o.get("image", "")),
                        image_alt=pick(o.get("image_alt", ""), o.get("image_alt_en", "")),
                    )
                    for o in q["options"]
                ],
            )
            for q in self.questions
        ]

    def _static_url(self, url: str) -> str:
        """Point a ``/static/...`` picture at the course's files."""
        replace = self.runtime.service(self, "replace_urls")
        if url and replace is not None:
            return str(replace.replace_urls(f'"{url}"')).strip('"')
        return url

    def student_view(self, context: Any = None) -> Fragment:
        """Show the questions; answers and feedback come back from the ``submit`` handler."""
        return self.fragment(
            "quiz.html",
            js=("quiz.js",),
            init="QuizBlock",
            init_args={"submitted": self.attempts > 0},
            **self.heading(self.pick(self.display_name, self.display_name_en), context),
            questions=self._localized_questions(),
            answers=self.answers,
            speech_lang="en-US" if self.language() == "en" else "vi-VN",
            attempts_left=self.attempts_left(),
            score=self.score,
            passed=self.score is not None and self.score + 1e-9 >= self.pass_mark,
        )

    @json_handler
    def submit(self, data: dict[str, Any], suffix: str = "") -> dict[str, Any]:
        """Grade the answers, publish the grade and return feedback per chosen option."""
        left = self.attempts_left()
        if left == 0:
            raise JsonHandlerError(409, self._("Đã hết lượt làm bài."))
        raw = data.get("answers")
        if not isinstance(raw, dict):
            raise JsonHandlerError(400, self._("Hãy chọn một câu trả lời."))
        known = {q["id"]: {o["id"] for o in q["options"]} for q in self.questions}
        answers: dict[str, list[str]] = {}
        for question_id, chosen in raw.items():
            if question_id not in known or not isinstance(chosen, list):
                raise JsonHandlerError(400, self._("Hãy chọn một câu trả lời."))
            answers[question_id] = [str(c) for c in chosen if str(c) in known[question_id]]
        if any(not answers.get(q["id"]) for q in self.questions):
            raise JsonHandlerError(400, self._("Hãy chọn một câu trả lời."))
        correct, results = grade_answers(self.questions, answers)
        self.attempts += 1
        self.answers = answers
        self.score = correct / len(self.questions) if self.questions else 1.0
        self.runtime.publish(
            self, "grade", {"value": float(correct), "max_value": self.max_score()}
        )
        feedback = {}
        for question in self.questions:
            chosen = set(answers[question["id"]])
            feedback[question["id"]] = {
                "correct": results[question["id"]]["correct"],
                "options": {
                    o["id"]: self.pick(o["feedback"], o["feedback_en"])
                    for o in question["options"]
                    if o["id"] in chosen
                },
            }
        passed = self.score + 1e-9 >= self.pass_mark
        return {
            "score": self.score,
            "correct": correct,
            "total": len(self.questions),
            "passed": passed,
            "message": self._("Đạt") if passed else self._("Chưa đạt"),
            "attempts_left": self.attempts_left(),
            "feedback": feedback,
        }

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return a two-question quiz."""
        return [
            (
                "quiz: hai câu hỏi",
                '<quiz display_name="Em nhớ gì?" pass_mark="0.5" max_attempts="2">'
                '<question id="q1" kind="single"><prompt>Ai có thể giúp em?</prompt>'
                '<option id="a" correct="true"><text>Người lớn em tin cậy</text>'
                "<feedback>Đúng rồi!</feedback></option>"
                '<option id="b"><text>Người lạ</text><feedback>Chưa đúng.</feedback></option>'
                "</question>"
                '<question id="q2" kind="truefalse" answer="true">'
                "<prompt>Em có thể gọi 111.</prompt></question></quiz>",
            )
        ]
