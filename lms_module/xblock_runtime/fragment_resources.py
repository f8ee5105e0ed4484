"""Turn a rendered fragment's css/js into URLs the page can load under a strict CSP.

XBlocks hand their front end over as fragment resources: URLs (``add_javascript_url``) or
inline text (``add_javascript``, ``add_css``). Our pages forbid inline scripts and styles, so
each inline resource gets its own URL, named by the block that produced it and the SHA-256 of
its text (content-addressed, so a browser may cache it for good). Off-site URLs are dropped:
the CSP would refuse them anyway, and a learner's page must not call third parties.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

CSS_TYPES = frozenset({"text/css"})
JS_TYPES = frozenset({"application/javascript", "text/javascript"})

#: File extension of an inline resource URL, by kind (the content type is served from it).
EXTENSIONS = {"css": "css", "js": "js"}
CONTENT_TYPES = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}


@dataclass(frozen=True)
class PageResources:
    """The stylesheets and scripts a page needs for its blocks, in order."""

    css_urls: list[str]
    js_urls: list[str]


@dataclass(frozen=True)
class InlineResource:
    """The text of an inline fragment resource, ready to serve."""

    kind: str  # "css" or "js"
    text: str


def resource_kind(mimetype: str) -> str | None:
    """Return "css", "js" or ``None`` (a resource the page does not load, e.g. text/html)."""
    if mimetype in CSS_TYPES:
        return "css"
    if mimetype in JS_TYPES:
        return "js"
    return None


def inline_digest(resource: Any) -> str:
    """Return the content address of an inline resource (hex SHA-256 of type and text)."""
    data = f"{resource.mimetype}\n{resource.data}".encode()
    return hashlib.sha256(data).hexdigest()


def is_same_site(url: str) -> bool:
    """Tell whether ``url`` points at this site (a path, not ``//host/...`` or ``https:``)."""
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def page_resources(
    resources: Iterable[Any],
    origins: Mapping[str, str],
    inline_url: Callable[[str, str, str], str],
) -> tuple[PageResources, dict[tuple[str, str], InlineResource]]:
    """Sort a fragment's resources into css and js URLs.

    :param resources: the fragment's ``FragmentResource`` list (first appearance first).
    :param origins: content digest -> usage id of the block that produced the inline resource
        (``LmsRuntime.inline_origins``).
    :param inline_url: builds the URL of an inline resource from usage id, digest and kind.
    :return: the page's URLs, and the inline resources by (usage id, digest) so the caller
        can keep them for the requests that will fetch them.
    """
    css: list[str] = []
    js: list[str] = []
    inline: dict[tuple[str, str], InlineResource] = {}
    for resource in resources:
        kind = resource_kind(resource.mimetype)
        if kind is None:
            continue
        if resource.kind == "url":
            url = str(resource.data)
            if not is_same_site(url):
                continue
        elif resource.kind == "text" and isinstance(resource.data, str):
            digest = inline_digest(resource)
            usage_id = origins.get(digest)
            if usage_id is None:
                continue
            inline[(usage_id, digest)] = InlineResource(kind, resource.data)
            url = inline_url(usage_id, digest, kind)
        else:
            continue
        target = css if kind == "css" else js
        if url not in target:
            target.append(url)
    return PageResources(css, js), inline


def find_inline_resource(resources: Iterable[Any], digest: str) -> InlineResource | None:
    """Return the inline css/js resource of ``resources`` whose digest is ``digest``."""
    for resource in resources:
        kind = resource_kind(resource.mimetype)
        if (
            kind is not None
            and resource.kind == "text"
            and isinstance(resource.data, str)
            and inline_digest(resource) == digest
        ):
            return InlineResource(kind, resource.data)
    return None


class InlineResourceCache:
    """A small, bounded, thread-safe memory of inline resources rendered on this worker.

    Keyed by (user id, usage id, digest): a learner only gets back what was rendered for
    them. A miss (another worker, a restart) is not an error: the block is rendered again.
    """

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._items: OrderedDict[tuple[int, str, str], InlineResource] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, user_id: int, items: Mapping[tuple[str, str], InlineResource]) -> None:
        """Remember ``items`` ((usage id, digest) -> resource) rendered for ``user_id``."""
        with self._lock:
            for (usage_id, digest), resource in items.items():
                key = (user_id, usage_id, digest)
                self._items[key] = resource
                self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, user_id: int, usage_id: str, digest: str) -> InlineResource | None:
        """Return the resource if this worker rendered it for ``user_id``, else ``None``."""
        with self._lock:
            return self._items.get((user_id, usage_id, digest))
