"""HTML content, sanitised (nh3) so that course files cannot inject scripts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from typing import Any

import lxml.html
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


def removed_elements(html: str, also_allowed: Collection[str] = ()) -> dict[str, int]:
    """Return what :func:`sanitize_html` will drop from ``html``: {tag: count}.

    Every element whose tag is not allowed is counted (``script``, ``style``, ``iframe``,
    ``link``, ``object``, ``embed``, ``form``, ``input``...; for most of them the text inside
    is kept, for ``script`` and ``style`` it goes too), and so are inline styles and event
    handlers, as ``@style`` and ``@onclick`` (an attribute, by name). The OLX import lists
    them in its report, so a course author sees what the page will not show.

    :param also_allowed: tags not to count: markup the block turns into HTML itself before
        sanitising (a problem's ``choicegroup``, ``label``...).
    """
    if not html.strip():
        return {}
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return {}
    removed: Counter[str] = Counter()
    for element in root.iterdescendants():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        tag = element.tag.lower()
        if tag not in ALLOWED_TAGS and tag not in also_allowed:
            removed[tag] += 1
        for name in element.attrib:
            name = name.lower()
            if name == "style" or name.startswith("on"):
                removed[f"@{name}"] += 1
    return dict(removed)


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

    def olx_import_notes(self) -> dict[str, Any]:
        """Tell the OLX import what sanitising will drop from this block's HTML (both
        languages): {"removed_elements": {tag: count}}."""
        removed: Counter[str] = Counter(removed_elements(self.data))
        removed.update(removed_elements(self.data_en))
        return {"removed_elements": dict(removed)} if removed else {}

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
