"""What every course block shares: templates, assets, translations, bilingual text."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from jinja2 import Environment, PackageLoader, select_autoescape
from lxml import etree
from web_fragments.fragment import Fragment
from xblock.core import XBlock

#: Languages of course content: Vietnamese first, English second.
CONTENT_LANGUAGES = ("vi", "en")
#: Characters of a usage id that an HTML id of the block replaces.
_HTML_ID = str.maketrans(":+@", "---")

F = TypeVar("F", bound=Callable[..., Any])


def json_handler(func: F) -> F:
    """Mark a JSON handler (``XBlock.json_handler``, typed for mypy)."""
    return cast(F, XBlock.json_handler(func))


@functools.lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("courses.blocks", "static/html"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates are package files: compiled once per process, never stat()ed again.
        auto_reload=False,
    )


def localized_text(node: Any, tag: str) -> tuple[str, str]:
    """Return the Vietnamese and English text of ``node``'s ``<tag>`` children.

    ``<tag>Xin chào</tag><tag lang="en">Hello</tag>``: the element without ``lang`` (or with
    ``lang="vi"``) is Vietnamese.
    """
    vi = en = ""
    for child in node.iterchildren(tag):
        text = " ".join("".join(child.itertext()).split())
        if child.get("lang") == "en":
            en = text
        else:
            vi = text
    return vi, en


def add_localized(node: Any, tag: str, vi: str, en: str) -> None:
    """Append ``<tag>vi</tag>`` and, when there is English, ``<tag lang="en">en</tag>``."""
    if vi:
        etree.SubElement(node, tag).text = vi
    if en:
        etree.SubElement(node, tag, lang="en").text = en


class CourseBlockMixin:
    """Shared behaviour of our blocks; mix into an ``XBlock`` subclass.

    Assets live in ``courses/blocks/static/{html,css,js}``; ``public_dir`` lets the runtime
    serve the css and js files through ``local_resource_url``.
    """

    public_dir = "static"
    runtime: Any
    scope_ids: Any

    def i18n(self) -> Any:
        """Return the runtime's ``i18n`` service (declare it with ``XBlock.needs("i18n")``).

        Asked once per runtime the block is bound to: a quiz's view asks for every string and
        option it shows, and ``runtime.service`` checks the block's declarations each time.
        """
        bound = self.__dict__.get("_i18n_bound")
        if bound is None or bound[0] is not self.runtime:
            bound = (self.runtime, self.runtime.service(self, "i18n"))
            self.__dict__["_i18n_bound"] = bound
        return bound[1]

    def html_id(self) -> str:
        """Return the block's usage id as an HTML id (``:``, ``+`` and ``@`` become ``-``)."""
        return str(self.scope_ids.usage_id).translate(_HTML_ID)

    def _(self, message: str) -> str:
        """Translate an interface string (the source language is Vietnamese)."""
        return str(self.i18n().gettext(message))

    def language(self) -> str:
        """Return the learner's language ("vi" or "en"); runtimes without one give "vi"."""
        language = getattr(self.i18n(), "language", "vi")
        return language if language in CONTENT_LANGUAGES else "vi"

    def pick(self, vi: str, en: str) -> str:
        """Return the English text for English readers when there is one, else Vietnamese."""
        return en if self.language() == "en" and en else vi

    def heading(self, title: str, context: Any, *, level: int = 3) -> dict[str, Any]:
        """Return how a template shows the block's ``title``: ``title`` (empty: none) and
        ``heading_level`` (``<h2>``, ``<h3>``...).

        A page or container that shows a heading above the block passes its text as
        ``context["title_shown"]``, so a block of the same title does not repeat it, and the
        level of the headings below it as ``context["heading_level"]`` (default ``level``).
        """
        context = context or {}
        requested = context.get("heading_level", level)
        heading_level = min(max(requested, 1), 6) if isinstance(requested, int) else level
        return {
            "title": "" if title == context.get("title_shown") else title,
            "heading_level": heading_level,
        }

    def fragment(
        self,
        template: str,
        *,
        css: tuple[str, ...] = (),
        js: tuple[str, ...] = (),
        init: str | None = None,
        init_args: dict[str, Any] | None = None,
        **context: Any,
    ) -> Fragment:
        """Render ``static/html/<template>`` into a fragment with its css, js and init."""
        html = _templates().get_template(template).render(block=self, _=self._, **context)
        frag = Fragment(html)
        for name in ("course-blocks.css", *css):
            frag.add_css_url(self.runtime.local_resource_url(self, f"static/css/{name}"))
        if js:
            frag.add_javascript_url(
                self.runtime.local_resource_url(self, "static/js/course-blocks.js")
            )
        for name in js:
            frag.add_javascript_url(self.runtime.local_resource_url(self, f"static/js/{name}"))
        if init:
            frag.initialize_js(init, init_args)
        return frag
