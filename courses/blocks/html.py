"""HTML content, sanitised (nh3) so that course files cannot inject scripts."""

from __future__ import annotations

from typing import Any

import nh3
from lxml import etree
from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.fields import Scope, String

from courses.blocks.base import CourseBlockMixin

#: Tags course HTML may use: text, lists, tables, images, figures, links.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}


def sanitize_html(html: str) -> str:
    """Return ``html`` with scripts, event handlers, styles and unknown tags removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    )


@XBlock.needs("i18n")
@XBlock.wants("replace_urls")
class HtmlBlock(CourseBlockMixin, XBlock):  # type: ignore[misc]
    """Rich text with images; Open edX ``<html>`` OLX loads as is."""

    display_name = String(default="", scope=Scope.settings, help="Title (not shown on the page).")
    data = String(default="", scope=Scope.content, help="The HTML (sanitised when shown).")
    data_en = String(default="", scope=Scope.content, help="English HTML, optional.")

    @classmethod
    def parse_xml(cls, node: Any, runtime: Any, keys: Any) -> Any:
        """Keep the element's inner HTML; an ``<html lang="en">`` child holds the English."""
        block = runtime.construct_xblock_from_class(cls, keys)
        block.display_name = node.get("display_name", "")
        english = [c for c in node if c.tag == "html" and c.get("lang") == "en"]
        for child in english:
            block.data_en = _inner_html(child)
            node.remove(child)
        block.data = _inner_html(node)
        return block

    def student_view(self, context: Any = None) -> Fragment:
        """Show the sanitised HTML, with ``/static/`` links pointing at the course's files."""
        html = self.pick(self.data, self.data_en)
        replace = self.runtime.service(self, "replace_urls")
        if replace is not None:
            html = replace.replace_urls(html)
        return self.fragment("html.html", html=sanitize_html(html))

    @staticmethod
    def workbench_scenarios() -> list[tuple[str, str]]:
        """Return a paragraph and an (inert) script."""
        return [
            (
                "html: nội dung an toàn",
                "<html><p>Cơ thể của em là <strong>của em</strong>.</p>"
                '<script>alert("x")</script></html>',
            )
        ]


def _inner_html(node: Any) -> str:
    text = node.text or ""
    return text + "".join(
        etree.tostring(child, encoding="unicode", with_tail=True)
        for child in node
        if child.tag is not etree.Comment
    )
