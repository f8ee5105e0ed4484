"""The XBlock runtime: blocks of one course, for one learner, in one request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from uuid import uuid4

from markupsafe import escape
from web_fragments.fragment import Fragment
from xblock.completable import XBlockCompletionMode
from xblock.exceptions import NoSuchUsage
from xblock.fields import ScopeIds
from xblock.runtime import KvsFieldData, Runtime

from courses.blocks.placeholder import PlaceholderBlock
from lms_module.xblock_runtime.failsafe import load_block_class, render_or_placeholder
from lms_module.xblock_runtime.field_data import FieldStore, ScopedKeyValueStore
from lms_module.xblock_runtime.fragment_resources import inline_digest
from lms_module.xblock_runtime.ids import CourseIdManager, parse_block_id
from lms_module.xblock_runtime.progress import ProgressReader, ProgressRecorder
from lms_module.xblock_runtime.services import (
    LmsCompletionService,
    LmsI18nService,
    LmsReplaceUrlsService,
    LmsSettingsService,
    LmsUserService,
    RuntimeUser,
)

log = logging.getLogger(__name__)

#: Version of the client-side runtime contract (``data-runtime-version``).
JS_RUNTIME_VERSION = 1
#: The client-side runtime class (``data-runtime-class``): ``window.LmsRuntime.v1`` in
#: ``xblock-runtime.js``, as Open edX's LMS names its own.
JS_RUNTIME_CLASS = "LmsRuntime"
#: The init function's arguments: a data block no browser executes (so the CSP allows it),
#: with the type and both class spellings Open edX's runtimes look for.
JSON_ARGS_TYPE = "json/xblock-args"
JSON_ARGS_CLASSES = "xblock-json-init-args xblock_json_init_args"


def completes_on_view(block: Any) -> bool:
    """Tell whether viewing ``block`` completes it (Open edX's complete-on-view).

    Plain content does (a lesson, an HTML block): completable, without a score and without a
    completion of its own. A quiz completes when graded, a scenario at an ending, a container
    from its children, an excluded block never.
    """
    return (
        XBlockCompletionMode.get_mode(block) == XBlockCompletionMode.COMPLETABLE
        and not getattr(block, "has_custom_completion", False)
        and not getattr(block, "has_score", False)
    )


class RuntimeUrls(Protocol):
    """Builds the URLs the runtime hands to blocks (the web layer implements it)."""

    def handler(self, usage_id: str, handler_name: str, suffix: str, query: str) -> str:
        """Return the URL of a block handler."""

    def block_resource(self, block_type: str, uri: str) -> str:
        """Return the URL of a file packaged with a block class."""

    def resource(self, path: str) -> str:
        """Return the URL of a static file of the LMS itself."""

    def course_asset(self, path: str) -> str:
        """Return the URL of a file of the course's ``static/`` folder."""

    def jump_to_id(self, url_name: str) -> str:
        """Return the URL that opens the block with ``url_name`` (Open edX ``/jump_to_id/``)."""


class MemoryUrls:
    """:class:`RuntimeUrls` as plain paths under ``prefix`` (the reference version: tests, and
    the OLX loader, which renders nothing)."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def handler(self, usage_id: str, handler_name: str, suffix: str, query: str) -> str:
        url = f"{self.prefix}/handler/{usage_id}/{handler_name}"
        url += f"/{suffix.lstrip('/')}" if suffix else ""
        return url + (f"?{query}" if query else "")

    def block_resource(self, block_type: str, uri: str) -> str:
        return f"{self.prefix}/resource/{block_type}/{uri}"

    def resource(self, path: str) -> str:
        return f"{self.prefix}/static/lms/{path}"

    def course_asset(self, path: str) -> str:
        return f"{self.prefix}/static/{path}"

    def jump_to_id(self, url_name: str) -> str:
        return f"{self.prefix}/jump_to_id/{url_name}"


class LmsRuntime(Runtime):  # type: ignore[misc]
    """XBlock runtime for one course and one user (or none).

    It keeps nothing itself: field values go to ``fields``, grades and completion to
    ``recorder``, the learner's progress comes from ``progress``. The LMS passes SQL versions
    of these (``lms_module.learning``), tests and tools the memory versions
    (:class:`~lms_module.xblock_runtime.field_data.MemoryFieldStore`,
    :class:`~lms_module.xblock_runtime.progress.MemoryProgress`, :class:`MemoryUrls`).

    :param course_slug: every usage id this runtime reads belongs to this course.
    :param fields: where field values are read and written (the caller commits).
    :param urls: builds handler and resource URLs.
    :param user: the signed-in learner, ``None`` for anonymous previews and the loader.
    :param recorder: records what blocks publish (``grade``, ``completion``); ``None``: events
        are only logged (anonymous previews, the loader).
    :param progress: the learner's progress, for the ``completion`` service; ``None``: blocks
        are told completion is not tracked.
    :param language: "vi" or "en", for the ``i18n`` service.
    :param allow_content_writes: let blocks write content and settings (the loader only).
    :param read_only: write nothing: field writes stay in memory, grade and completion events
        are dropped (every render that serves a GET: the unit page, a block's inline css/js).
    :param host_errors: errors of the host that a failing block must not hide behind a
        placeholder (:mod:`~lms_module.xblock_runtime.failsafe`): the LMS names its
        database's, which it answers itself.
    """

    def __init__(
        self,
        *,
        course_slug: str,
        fields: FieldStore,
        urls: RuntimeUrls,
        user: RuntimeUser | None = None,
        recorder: ProgressRecorder | None = None,
        progress: ProgressReader | None = None,
        language: str = "vi",
        settings: Mapping[str, Any] | None = None,
        allow_content_writes: bool = False,
        read_only: bool = False,
        host_errors: tuple[type[BaseException], ...] = (),
    ) -> None:
        self.read_only = read_only
        self.host_errors = host_errors
        self.course_slug = course_slug
        self.user = user
        self.urls = urls
        self.recorder = recorder
        self.progress = progress
        self.kvs = ScopedKeyValueStore(
            fields,
            user_id=user.id if user is not None else None,
            allow_content_writes=allow_content_writes,
            read_only=read_only,
        )
        self._blocks: dict[str, Any] = {}
        self._completions: dict[str, float] | None = None
        #: Set when a grade or completion was recorded: the caller then checks the course.
        self.progress_changed = False
        #: Digest of each inline css/js resource rendered -> usage id of the block that made it.
        self.inline_origins: dict[str, str] = {}
        ids = CourseIdManager(course_slug)
        super().__init__(
            id_reader=ids,
            id_generator=ids,
            services={
                "field-data": KvsFieldData(self.kvs),
                "user": LmsUserService(user),
                "i18n": LmsI18nService(language),
                "settings": LmsSettingsService(settings),
                # Looked up when a link needs it: URL builders older than jump_to_id still work.
                "replace_urls": LmsReplaceUrlsService(
                    urls.course_asset, lambda url_name: urls.jump_to_id(url_name)
                ),
                "completion": LmsCompletionService(
                    self._learner_completions, enabled=progress is not None
                ),
            },
            default_class=PlaceholderBlock,
        )

    # ------------------------------------------------------------------------------ blocks

    def get_block(self, usage_id: str, for_parent: Any = None) -> Any:
        """Return the block with ``usage_id`` (of this course), seen by this runtime's user."""
        if usage_id in self._blocks:
            return self._blocks[usage_id]
        key = parse_block_id(usage_id)
        if key is None or key.course_slug != self.course_slug:
            raise NoSuchUsage(usage_id)
        def_id = self.id_reader.get_definition_id(usage_id)
        block_type = self.id_reader.get_block_type(def_id)
        user_id = self.user.id if self.user is not None else None
        keys = ScopeIds(user_id, block_type, def_id, usage_id)
        block = self.construct_xblock(block_type, keys, for_parent=for_parent)
        self._blocks[usage_id] = block
        return block

    def load_block_type(self, block_type: str) -> Any:
        """Return the class of ``block_type``: a placeholder for a type no package provides,
        and for one whose package fails to import (``failsafe.load_block_class``)."""
        return load_block_class(block_type, self.default_class, self.select)

    def prefetch(self, usage_ids: list[str]) -> None:
        """Load the field data of many blocks at once (before rendering a unit)."""
        ids: list[str] = []
        for usage_id in usage_ids:
            key = parse_block_id(usage_id)
            if key is not None:
                ids += [usage_id, key.definition_id, key.block_type]
        self.kvs.prefetch(ids)

    # ------------------------------------------------------------------------------ URLs

    def handler_url(
        self,
        block: Any,
        handler_name: str,
        suffix: str = "",
        query: str = "",
        thirdparty: bool = False,
    ) -> str:
        if thirdparty:
            raise NotImplementedError(
                "Third-party (signed-out) handler URLs are not offered: every handler call "
                "acts for the signed-in learner."
            )
        return self.urls.handler(str(block.scope_ids.usage_id), handler_name, suffix, query)

    def resource_url(self, resource: str) -> str:
        return self.urls.resource(resource)

    def local_resource_url(self, block: Any, uri: str) -> str:
        return self.urls.block_resource(str(block.scope_ids.block_type), uri)

    # ------------------------------------------------------------------------------ events

    def publish(self, block: Any, event_type: str, event_data: Mapping[str, Any]) -> None:
        """Record ``grade`` and ``completion`` events (Open edX semantics); log the others."""
        if self.recorder is None or self.read_only:
            return
        usage_id = str(block.scope_ids.usage_id)
        if event_type == "grade":
            self.recorder.record_grade(
                usage_id, float(event_data["value"]), float(event_data["max_value"])
            )
            if not getattr(block, "has_custom_completion", False) and (
                XBlockCompletionMode.get_mode(block) == XBlockCompletionMode.COMPLETABLE
            ):
                self._record_completion(usage_id, 1.0)
            self.progress_changed = True
        elif event_type == "completion":
            self._record_completion(usage_id, float(event_data["completion"]))
        else:
            log.debug("XBlock event %s from %s: %r", event_type, usage_id, event_data)

    def _record_completion(self, usage_id: str, completion: float) -> None:
        assert self.recorder is not None
        self.recorder.record_completion(usage_id, completion)
        if self._completions is not None:
            self._completions[usage_id] = completion
        self.progress_changed = True

    def _learner_completions(self) -> Mapping[str, float]:
        if self._completions is None:
            self._completions = dict(self.progress.completions()) if self.progress else {}
        return self._completions

    def show_completions(self, completions: Mapping[str, float]) -> None:
        """Let the blocks see ``completions`` (0..1 by usage id) as the learner's progress.

        For a read-only render of a unit: the completion its view will record (complete on
        view) already counts in the progress the blocks show. Nothing is written.
        """
        self._completions = dict(completions)

    def blocks_completed_on_view(self, usage_ids: Iterable[str]) -> list[str]:
        """Return the usage ids, among ``usage_ids``, of the blocks that viewing completes."""
        return [u for u in usage_ids if completes_on_view(self.get_block(u))]

    # ------------------------------------------------------------------------------ rendering

    def render(self, block: Any, view_name: str, context: Any = None) -> Fragment:
        """Render ``block``'s view; a view that raises gives a placeholder (``failsafe``).

        Course links in the HTML (``/static/<file>``, ``/jump_to_id/<url_name>``) point at
        ours, whichever block wrote them, as Open edX's LMS rewrites every block's output
        (markdown-xblock, for one, leaves that to the runtime). Rewriting is idempotent.
        """
        frag = render_or_placeholder(super().render, block, view_name, context)
        frag.content = self._services["replace_urls"].replace_urls(frag.content)
        return frag

    def wrap_xblock(self, block: Any, view: str, frag: Fragment, context: Any) -> Fragment:
        """Wrap a block's HTML in the element the client-side runtime initialises.

        The element carries what Open edX's ``wrap_xblock`` gives blocks to read: classes
        ``xblock xblock-<view> xblock-<view>-<type>``, ``data-usage-id``, ``data-block-type``,
        ``data-name`` (a block's ``name`` field, by which ``runtime.childMap`` finds it),
        ``data-request-token``, and with an init function ``data-init``,
        ``data-runtime-class`` and ``data-runtime-version``; the init function's arguments
        follow the HTML in a ``json/xblock-args`` data block (a type no browser executes).

        Also notes which block produced each inline css/js resource: children are wrapped
        before their parent, so the first block to show a resource is the one that added it.
        """
        usage_id = str(block.scope_ids.usage_id)
        block_type = str(block.scope_ids.block_type)
        for resource in frag.resources:
            if resource.kind == "text" and isinstance(resource.data, str):
                self.inline_origins.setdefault(inline_digest(resource), usage_id)
        attributes = {"data-usage-id": usage_id, "data-block-type": block_type}
        if frag.js_init_fn:
            attributes["data-init"] = frag.js_init_fn
            attributes["data-runtime-class"] = JS_RUNTIME_CLASS
            attributes["data-runtime-version"] = str(frag.js_init_version or JS_RUNTIME_VERSION)
        name = getattr(block, "name", None)
        if isinstance(name, str) and name:
            attributes["data-name"] = name
        # One token per runtime, that is per request (Open edX: per request, to tell the
        # blocks of one render from those of another on the same page).
        token = getattr(self, "_request_token", None)
        if token is None:
            token = self._request_token = uuid4().hex
        attributes["data-request-token"] = token
        json_init = ""
        if frag.json_init_args is not None:
            # JSON inside <script> is raw text: escape what could close the element. Both
            # class spellings: Open edX's LMS reads one, XBlock's own runtimes the other.
            data = (
                json.dumps(frag.json_init_args)
                .replace("<", "\\u003c")
                .replace(">", "\\u003e")
                .replace("&", "\\u0026")
            )
            json_init = (
                f'<script type="{JSON_ARGS_TYPE}" class="{JSON_ARGS_CLASSES}">{data}</script>'
            )
        rendered_attributes = "".join(
            f' {name}="{escape(value)}"' for name, value in attributes.items()
        )
        classes = f"xblock xblock-{view} xblock-{view}-{block_type}"
        wrapped = Fragment()
        wrapped.add_content(
            f'<div class="{escape(classes)}"{rendered_attributes}>'
            f"{frag.body_html()}{json_init}</div>"
        )
        wrapped.add_fragment_resources(frag)
        return wrapped

    def applicable_aside_types(self, block: Any) -> list[str]:
        """Return no aside types: asides are turned off."""
        return []
