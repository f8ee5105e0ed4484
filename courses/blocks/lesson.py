"""A lesson page: a picture, short text, and a button that reads the text aloud."""

from __future__ import annotations

from typing import Any

from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.fields import Boolean, Scope, String

from courses.blocks.base import CourseBlockMixin, add_localized, localized_text


@XBlock.needs("i18n")
@XBlock.wants("replace_urls")
class LessonBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """Picture and text for young readers; complete when viewed.

    OLX::

        <lesson display_name="..." image="/static/x.png" read_aloud="true">
          <alt>mô tả ảnh</alt><alt lang="en">image description</alt>
          <text>Đoạn một.</text><text lang="en">Paragraph one.</text>
        </lesson>

    Several ``<text>`` pairs are not needed: separate paragraphs with a blank line.
    """

    display_name = String(default="", scope=Scope.settings, help="Title shown above the text.")
    display_name_en = String(default="", scope=Scope.settings, help="English title, optional.")
    image = String(
        default="", scope=Scope.content, help="Picture URL, e.g. /static/ban-tay.png (optional)."
    )
    image_alt = String(default="", scope=Scope.content, help="What the picture shows.")
    image_alt_en = String(default="", scope=Scope.content, help="English picture description.")
    text = String(default="", scope=Scope.content, help="The lesson text (Vietnamese).")
    text_en = String(default="", scope=Scope.content, help="The lesson text in English.")
    read_aloud = Boolean(
        default=True, scope=Scope.settings, help="Offer a button that reads the text aloud."
    )

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Read attributes and the localized ``<text>`` and ``<alt>`` children."""
        block = runtime.construct_xblock_from_class(cls, keys)
        for name in ("display_name", "display_name_en", "image"):
            if node.get(name) is not None:
                setattr(block, name, node.get(name))
        if node.get("read_aloud") is not None:
            block.read_aloud = node.get("read_aloud").lower() in ("true", "1", "yes")
        block.text, block.text_en = _paragraph_text(node, "text")
        block.image_alt, block.image_alt_en = localized_text(node, "alt")
        return block

    def add_xml_to_node(self, node: Any) -> None:
        """Write the block back as ``<lesson>`` OLX."""
        node.tag = "lesson"
        for name in ("display_name", "display_name_en", "image"):
            if getattr(self, name):
                node.set(name, getattr(self, name))
        node.set("read_aloud", "true" if self.read_aloud else "false")
        add_localized(node, "alt", self.image_alt, self.image_alt_en)
        add_localized(node, "text", self.text, self.text_en)

    def student_view(self, context: Any = None) -> Fragment:
        """Show the picture and the paragraphs; the read-aloud button speaks vi-VN or en-US."""
        text = self.pick(self.text, self.text_en)
        english = self.language() == "en" and bool(self.text_en)
        image = self.image
        replace = self.runtime.service(self, "replace_urls")
        if image and replace is not None:
            image = replace.replace_urls(f'"{image}"').strip('"')
        return self.fragment(
            "lesson.html",
            js=("lesson.js",),
            init="LessonBlock",
            **self.heading(self.pick(self.display_name, self.display_name_en), context),
            paragraphs=[p.strip() for p in text.split("\n\n") if p.strip()],
            image=image,
            image_alt=self.pick(self.image_alt, self.image_alt_en),
            speech_lang="en-US" if english else "vi-VN",
        )

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return a lesson with text in both languages."""
        return [
            (
                "lesson: cơ thể của em",
                '<lesson display_name="Cơ thể của em" read_aloud="true">'
                "<text>Cơ thể của em là của em.</text>"
                '<text lang="en">Your body belongs to you.</text></lesson>',
            )
        ]


def _paragraph_text(node: Any, tag: str) -> tuple[str, str]:
    """Like :func:`localized_text`, but keep blank lines between paragraphs."""
    vi: list[str] = []
    en: list[str] = []
    for child in node.iterchildren(tag):
        text = "\n\n".join(
            " ".join(part.split()) for part in "".join(child.itertext()).split("\n\n")
        ).strip()
        (en if child.get("lang") == "en" else vi).append(text)
    return "\n\n".join(vi), "\n\n".join(en)
