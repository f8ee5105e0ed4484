"""The block shown in place of an OLX tag no installed XBlock handles."""

from __future__ import annotations

from typing import Any

from lxml import etree
from web_fragments.fragment import Fragment
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.fields import Scope, String

from courses.blocks.base import CourseBlockMixin


@XBlock.needs("i18n")
class PlaceholderBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """Keeps the original OLX of an unknown block and shows a visible notice.

    It is excluded from completion, so an unknown block never stops a learner finishing.
    """

    completion_mode = XBlockCompletionMode.EXCLUDED

    display_name = String(
        default="", scope=Scope.settings, help="Title from the original OLX, if it had one."
    )
    original_xml = String(
        default="", scope=Scope.content, help="The OLX of the unknown block, kept unchanged."
    )

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Keep the node's XML as is: its children may be unknown tags too."""
        block = runtime.construct_xblock_from_class(cls, keys)
        block.display_name = node.get("display_name", "")
        block.original_xml = etree.tostring(node, encoding="unicode")
        return block

    def student_view(self, context: Any = None) -> Fragment:
        """Show which block type could not be shown."""
        return self.fragment(
            "placeholder.html", block_type=self.scope_ids.block_type, title=self.display_name
        )

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return no scenarios: the workbench has its own fallback."""
        return []
