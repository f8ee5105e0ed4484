"""Containers: course, chapter (section), sequential (subsection), vertical (unit)."""

from __future__ import annotations

from typing import Any

from web_fragments.fragment import Fragment
from xblock.completable import XBlockCompletionMode
from xblock.core import XBlock
from xblock.fields import Float, Integer, Scope, String

from courses.blocks.base import CourseBlockMixin


@XBlock.needs("i18n")
@XBlock.wants("completion")
class ContainerBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """A block made of child blocks; its progress is aggregated from them."""

    has_children = True
    completion_mode = XBlockCompletionMode.AGGREGATOR

    display_name = String(default="", scope=Scope.settings, help="Title shown to learners.")
    display_name_en = String(default="", scope=Scope.settings, help="English title, optional.")

    def title(self) -> str:
        """Return the title in the learner's language."""
        return self.pick(self.display_name, self.display_name_en)

    def progress(self) -> int | None:
        """Return the learner's progress in this container (percent), if it is tracked."""
        service = self.runtime.service(self, "completion")
        if service is None or not service.completion_tracking_enabled():
            return None
        value = service.get_completions([str(self.scope_ids.usage_id)])
        return round(100 * float(value[str(self.scope_ids.usage_id)]))

    def student_view(self, context: Any = None) -> Fragment:
        """Show the title, the learner's progress and every child, in order.

        A page that shows the title itself passes it as ``context["title_shown"]``, one that
        shows the learner's progress ``context["progress_shown"]``: neither is repeated. The
        children see the title as shown above them, so a child of the same title shows none.
        """
        context = dict(context or {})
        title = self.title()
        heading = self.heading(title, context, level=2)
        child_context = {
            **context,
            "title_shown": title,
            "heading_level": min(heading["heading_level"] + (1 if heading["title"] else 0), 6),
        }
        frag = Fragment()
        children = []
        for child_id in self.children:
            child = self.runtime.get_block(child_id)
            child_frag = self.runtime.render_child(child, "student_view", child_context)
            frag.add_fragment_resources(child_frag)
            children.append(child_frag.body_html())
        body = self.fragment(
            "container.html",
            tag=self.scope_ids.block_type,
            **heading,
            children=children,
            progress=None if context.get("progress_shown") else self.progress(),
        )
        body.add_fragment_resources(frag)
        return body

    @classmethod
    def workbench_scenarios(cls) -> list[tuple[str, str]]:
        """Return one scenario with an HTML child."""
        tag = cls.__name__.removesuffix("Block").lower()
        return [
            (
                f"{tag}: một khối con",
                f'<{tag} display_name="Ví dụ"><html><p>Xin chào!</p></html></{tag}>',
            )
        ]


class CourseBlock(ContainerBlock):
    """The root of a course; its OLX attributes are the course's metadata."""

    audience = String(
        default="student",
        scope=Scope.settings,
        help="Who takes the course: student, teacher, staff, manager or parent.",
    )
    title_en = String(default="", scope=Scope.settings, help="English title of the course.")
    grade_min = Integer(default=None, scope=Scope.settings, help="Lowest grade (1-12), students.")
    grade_max = Integer(default=None, scope=Scope.settings, help="Highest grade (1-12), students.")
    credit_periods = Integer(
        default=0, scope=Scope.settings, help="In-service training periods (tiết) earned."
    )
    pass_mark = Float(default=0.0, scope=Scope.settings, help="Weighted score (0..1) to pass.")
    validity_months = Integer(
        default=None, scope=Scope.settings, help="Months a completion stays valid; empty: always."
    )
    validity = String(
        default="",
        scope=Scope.settings,
        help="'school_year': completions stay valid until the end of the school year (31 July).",
    )
    languages = String(default="vi", scope=Scope.settings, help="Content languages, e.g. 'vi en'.")
    org = String(default="", scope=Scope.settings, help="Organisation (Open edX exports).")
    course = String(default="", scope=Scope.settings, help="Course code (Open edX exports).")

    def title(self) -> str:
        return self.pick(self.display_name, self.title_en or self.display_name_en)


class ChapterBlock(ContainerBlock):
    """A section of a course (Open edX "chapter")."""


class SequentialBlock(ContainerBlock):
    """A subsection: a sequence of units (Open edX "sequential")."""


class VerticalBlock(ContainerBlock):
    """A unit: what a learner sees on one page (Open edX "vertical")."""
