"""A scenario: a situation, choices with consequences and feedback, in one or more steps."""

from __future__ import annotations

from typing import Any

from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, List, Scope, String

from courses.blocks.base import CourseBlockMixin, json_handler, localized_text

END = "end"


def parse_steps(node: Any) -> list[dict[str, Any]]:
    """Read ``<step>`` elements (see :class:`ScenarioBlock`) into plain dicts."""
    steps = []
    for s_index, s_node in enumerate(node.iterchildren("step"), start=1):
        situation, situation_en = localized_text(s_node, "situation")
        choices = []
        for c_index, c_node in enumerate(s_node.iterchildren("choice"), start=1):
            text, text_en = localized_text(c_node, "text")
            consequence, consequence_en = localized_text(c_node, "consequence")
            feedback, feedback_en = localized_text(c_node, "feedback")
            choices.append(
                {
                    "id": c_node.get("id", f"c{c_index}"),
                    "text": text,
                    "text_en": text_en,
                    "consequence": consequence,
                    "consequence_en": consequence_en,
                    "feedback": feedback,
                    "feedback_en": feedback_en,
                    "good": c_node.get("good", "false").lower() == "true",
                    # Where the choice leads: a step id, "retry" (same step again) or "end".
                    "next": c_node.get("next", END),
                }
            )
        if not choices:
            raise ValueError(f"Step {s_index} of the scenario has no <choice>.")
        steps.append(
            {
                "id": s_node.get("id", f"s{s_index}"),
                "situation": situation,
                "situation_en": situation_en,
                "choices": choices,
            }
        )
    ids = {step["id"] for step in steps}
    for step in steps:
        for choice in step["choices"]:
            if choice["next"] not in ids | {END, "retry"}:
                raise ValueError(
                    f"Choice {choice['id']!r} leads to unknown step {choice['next']!r}."
                )
    if not steps:
        raise ValueError("A scenario needs at least one <step>.")
    return steps


@XBlock.needs("i18n")
class ScenarioBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """Branching situations; complete when the learner reaches an ending.

    OLX::

        <scenario display_name="...">
          <step id="s1">
            <situation>...</situation><situation lang="en">...</situation>
            <choice id="a" good="true" next="s2">
              <text>...</text><consequence>...</consequence><feedback>...</feedback>
            </choice>
            <choice id="b" next="retry">...</choice>
          </step>
          <step id="s2">...<choice id="c" good="true" next="end">...</choice></step>
        </scenario>

    ``read_aloud="true"`` adds a button that reads the situation and the choices aloud.
    """

    has_custom_completion = True

    display_name = String(default="", scope=Scope.settings, help="Title shown to learners.")
    display_name_en = String(default="", scope=Scope.settings, help="English title, optional.")
    steps = List(default=[], scope=Scope.content, help="Steps with their choices.")
    read_aloud = Boolean(
        default=False, scope=Scope.settings, help="Offer a button that reads the step aloud."
    )

    current_step = String(default="", scope=Scope.user_state, help="Step the learner is at.")
    path = List(default=[], scope=Scope.user_state, help="Choices made, as [step id, choice id].")
    finished = Boolean(default=False, scope=Scope.user_state, help="Reached an ending.")

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Read the attributes and the ``<step>`` elements."""
        block = runtime.construct_xblock_from_class(cls, keys)
        for name in ("display_name", "display_name_en"):
            if node.get(name) is not None:
                setattr(block, name, node.get(name))
        if node.get("read_aloud") is not None:
            block.read_aloud = node.get("read_aloud").lower() in ("true", "1", "yes")
        block.steps = parse_steps(node)
        return block

    def _step(self, step_id: str) -> dict[str, Any]:
        for step in self.steps:
            if step["id"] == step_id:
                return dict(step)
        return dict(self.steps[0])

    def _step_view(self, step: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": step["id"],
            "situation": self.pick(step["situation"], step["situation_en"]),
            "choices": [
                {"id": c["id"], "text": self.pick(c["text"], c["text_en"])} for c in step["choices"]
            ],
        }

    def student_view(self, context: Any = None) -> Fragment:
        """Show the step the learner is at (the first one to start with)."""
        step = self._step(self.current_step or self.steps[0]["id"])
        return self.fragment(
            "scenario.html",
            js=("scenario.js",),
            init="ScenarioBlock",
            **self.heading(self.pick(self.display_name, self.display_name_en), context),
            step=self._step_view(step),
            finished=self.finished,
            speech_lang="en-US" if self.language() == "en" else "vi-VN",
        )

    @json_handler
    def choose(self, data: dict[str, Any], suffix: str = "") -> dict[str, Any]:
        """Take a choice at a step; return its consequence, feedback and what comes next."""
        step_id, choice_id = data.get("step"), data.get("choice")
        step = next((s for s in self.steps if s["id"] == step_id), None)
        choice = next((c for c in (step or {}).get("choices", []) if c["id"] == choice_id), None)
        if step is None or choice is None:
            raise JsonHandlerError(400, self._("Hãy chọn một câu trả lời."))
        self.path = [*self.path, [step["id"], choice["id"]]]
        target = choice["next"]
        if target == END:
            self.finished = True
            self.current_step = step["id"]
            self.runtime.publish(self, "completion", {"completion": 1.0})
            next_step = None
        else:
            next_id = step["id"] if target == "retry" else target
            self.current_step = next_id
            next_step = self._step_view(self._step(next_id))
        return {
            "good": choice["good"],
            "consequence": self.pick(choice["consequence"], choice["consequence_en"]),
            "feedback": self.pick(choice["feedback"], choice["feedback_en"]),
            "next": next_step,
            "finished": self.finished,
        }

    @json_handler
    def restart(self, data: dict[str, Any], suffix: str = "") -> dict[str, Any]:
        """Go back to the first step (an ending reached stays reached)."""
        self.current_step = self.steps[0]["id"]
        return {"next": self._step_view(self.steps[0]), "finished": self.finished}

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return a two-step scenario."""
        return [
            (
                "scenario: bí mật",
                '<scenario display_name="Một bí mật">'
                '<step id="s1"><situation>Một người bảo em giữ bí mật.</situation>'
                '<choice id="a" good="true" next="s2"><text>Kể với mẹ</text>'
                "<feedback>Đúng rồi!</feedback></choice>"
                '<choice id="b" next="retry"><text>Giữ bí mật</text>'
                "<feedback>Chưa đúng.</feedback></choice></step>"
                '<step id="s2"><situation>Mẹ cảm ơn em.</situation>'
                '<choice id="c" good="true" next="end"><text>Tiếp tục</text></choice></step>'
                "</scenario>",
            )
        ]
