"""A reflection: the learner writes privately; the block is complete once they save."""

from __future__ import annotations

from typing import Any

from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Integer, Scope, String

from courses.blocks.base import CourseBlockMixin, json_handler, localized_text


@XBlock.needs("i18n")
class ReflectionBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """A question to think about; the answer is user state, visible to its author only.

    OLX: ``<reflection display_name="..."><prompt>...</prompt><prompt lang="en">...</prompt>
    </reflection>``
    """

    has_custom_completion = True

    display_name = String(default="", scope=Scope.settings, help="Title shown to learners.")
    display_name_en = String(default="", scope=Scope.settings, help="English title, optional.")
    prompt = String(default="", scope=Scope.content, help="The question to reflect on.")
    prompt_en = String(default="", scope=Scope.content, help="The question in English.")
    max_length = Integer(default=2000, scope=Scope.settings, help="Longest answer, in characters.")
    answer = String(default="", scope=Scope.user_state, help="What the learner wrote (private).")

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Read the attributes and the localized ``<prompt>``."""
        block = runtime.construct_xblock_from_class(cls, keys)
        for name in ("display_name", "display_name_en", "max_length"):
            if node.get(name) is not None:
                cls._set_field_if_present(block, name, node.get(name), {})
        block.prompt, block.prompt_en = localized_text(node, "prompt")
        return block

    def student_view(self, context: Any = None) -> Fragment:
        """Show the prompt and the learner's own answer."""
        return self.fragment(
            "reflection.html",
            js=("reflection.js",),
            init="ReflectionBlock",
            **self.heading(self.pick(self.display_name, self.display_name_en), context),
            prompt=self.pick(self.prompt, self.prompt_en),
        )

    @json_handler
    def save_answer(self, data: dict[str, Any], suffix: str = "") -> dict[str, Any]:
        """Store the answer; a non-empty answer completes the block."""
        answer = data.get("answer")
        if not isinstance(answer, str):
            raise JsonHandlerError(400, self._("Có lỗi khi gửi. Hãy thử lại."))
        self.answer = answer.strip()[: self.max_length]
        if self.answer:
            self.runtime.publish(self, "completion", {"completion": 1.0})
        return {
            "saved": True,
            "message": self._("Đã lưu. Không ai khác xem được những gì viết ở đây."),
        }

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return one reflection."""
        return [
            (
                "reflection: người lớn tin cậy",
                '<reflection display_name="Suy nghĩ"><prompt>Ai là người lớn em tin cậy?</prompt>'
                '<prompt lang="en">Who is a trusted adult for you?</prompt></reflection>',
            )
        ]
