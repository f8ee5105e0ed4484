"""One broken block never breaks a page: a block that fails is shown as a placeholder.

Three places a block can fail, and what the learner sees instead of an error page:

* its package cannot be imported (broken, or it needs Django and the ``[xblocks]`` extra is not
  installed): :func:`load_block_class` gives :class:`UnavailableBlock` (or
  :class:`NeedsDjangoBlock`), a placeholder that keeps the block's place and says why;
* its view raises: :func:`render_or_placeholder` shows a placeholder in the block's place,
  wrapped as the runtime wraps every block, and the unit around it renders;
* its handler raises: :func:`handle_or_error` raises :class:`BlockHandlerFailedError`, which the
  web layer answers as a JSON error after rolling back what the handler wrote.

Every failure is logged with the block's usage id and the traceback. Errors the LMS itself
answers are not caught here (:func:`passed_through`): the LMS's own (:class:`LMSError`), a
learner's write refused (:class:`InvalidScopeError`), and the errors the runtime's host names
(``LmsRuntime.host_errors``: the LMS names its database's, answered 503 "try again" after the
request's transaction is rolled back; the runtime itself knows no database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from markupsafe import escape
from web_fragments.fragment import Fragment
from webob.exc import HTTPException
from xblock.core import XBlock
from xblock.exceptions import InvalidScopeError, NoSuchHandlerError, NoSuchServiceError
from xblock.plugin import PluginMissingError

from courses.blocks.placeholder import PlaceholderBlock
from lms_module.core.errors import LMSError
from lms_module.xblock_runtime import django_templates

if TYPE_CHECKING:
    import webob

log = logging.getLogger(__name__)

#: Errors that are not a block's failure but the LMS's: they reach the web layer unchanged.
PROPAGATED: tuple[type[BaseException], ...] = (LMSError, InvalidScopeError)


def passed_through(block: Any) -> tuple[type[BaseException], ...]:
    """Return the errors that reach the caller unchanged when ``block`` fails: ours
    (:data:`PROPAGATED`) and those its runtime's host names (``host_errors``)."""
    return (*PROPAGATED, *getattr(block.runtime, "host_errors", ()))

#: Shown in place of a block whose view raised, or whose package cannot be imported.
FAILED_MESSAGE = "Phần nội dung này đang bị lỗi nên chưa hiển thị được."
#: Shown in place of a block that needs Django when the ``[xblocks]`` extra is not installed.
NEEDS_EXTRA_MESSAGE = "Loại nội dung này cần cài thêm {extra} trên máy chủ."
#: The JSON error of a handler that raised.
HANDLER_FAILED_MESSAGE = (
    "Nội dung “{block_type}” gặp lỗi nên chưa lưu được thao tác này. Hãy tải lại trang và thử "
    "lại; nếu vẫn lỗi, hãy báo cho quản trị của trường."
)


class BlockHandlerFailedError(LMSError):
    """A block's handler raised: a bug of the block, not something the learner did."""

    status_code = 500


class UnavailableBlock(PlaceholderBlock):
    """Stands in for a block whose package is installed but cannot be imported.

    Like :class:`PlaceholderBlock` it keeps the block's place, its title and its OLX, and is
    excluded from completion; it says the block is broken rather than unknown.
    """

    def student_view(self, context: Any = None) -> Fragment:
        """Show that this block cannot be shown, and why."""
        return Fragment(placeholder_html(self, needs_django=False))


class NeedsDjangoBlock(UnavailableBlock):
    """Stands in for a block whose package needs Django, which is not installed."""

    def student_view(self, context: Any = None) -> Fragment:
        """Name the extra to install."""
        return Fragment(placeholder_html(self, needs_django=True))


def needs_django(error: BaseException) -> bool:
    """Tell whether ``error`` comes from importing Django, which is not installed."""
    while error is not None:
        if isinstance(error, ImportError) and (error.name or "").split(".")[0] == "django":
            return True
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return False


def load_block_class(
    block_type: str, default: type[Any] | None = None, select: Any = None
) -> type[Any]:
    """Return the block class of ``block_type`` (``XBlock.load_class``), never raising for a
    package that is installed but fails to import: that gives :class:`UnavailableBlock`, or
    :class:`NeedsDjangoBlock` when it needs Django.

    When the class needs Django (it imported it), Django's template engine is made ready for
    it (:func:`django_templates.ensure_configured`).

    :raises PluginMissingError: no package provides ``block_type`` and no ``default`` is given.
    """
    try:
        cls: type[Any] = XBlock.load_class(block_type, default, select)
    except PluginMissingError:
        raise
    except Exception as error:
        log.exception("XBlock type %r cannot be loaded", block_type)
        return NeedsDjangoBlock if needs_django(error) else UnavailableBlock
    django_templates.configure_if_imported()
    return cls


def _gettext(block: Any) -> Callable[[str], str]:
    try:
        service = block.runtime.service(block, "i18n")
    except NoSuchServiceError:
        service = None
    if service is None:
        return lambda message: message
    return lambda message: str(service.gettext(message))


def placeholder_html(block: Any, *, needs_django: bool) -> str:
    """Return the notice shown in place of ``block`` (in the learner's language)."""
    _ = _gettext(block)
    if needs_django:
        message = _(NEEDS_EXTRA_MESSAGE).format(extra=django_templates.EXTRA)
    else:
        message = _(FAILED_MESSAGE)
    title = getattr(block, "display_name", "")
    title_html = f": {escape(title)}" if isinstance(title, str) and title else ""
    return (
        f'<div class="xblock-failed" role="note"><p><strong>{escape(message)}</strong>'
        f"{title_html}</p><p>({escape(str(block.scope_ids.block_type))})</p></div>"
    )


def render_or_placeholder(
    render: Callable[[Any, str, Any], Fragment], block: Any, view_name: str, context: Any
) -> Fragment:
    """Return ``render(block, view_name, context)``; if the view raises, log it and return a
    placeholder in the block's wrapper instead (the unit around it still renders).

    :raises: what :func:`passed_through` names, unchanged.
    """
    try:
        return render(block, view_name, context)
    except passed_through(block):
        raise
    except Exception as error:
        log.exception(
            "XBlock %s (%s) failed to render %s",
            block.scope_ids.usage_id,
            block.scope_ids.block_type,
            view_name,
        )
        fragment = Fragment(placeholder_html(block, needs_django=needs_django(error)))
        wrapped: Fragment = block.runtime.wrap_xblock(block, view_name, fragment, context)
        return wrapped


def handle_or_error(
    handle: Callable[[Any, str, webob.Request, str], webob.Response],
    block: Any,
    handler_name: str,
    request: webob.Request,
    suffix: str,
) -> webob.Response:
    """Return ``handle(block, handler_name, request, suffix)``; a handler that raises is logged
    and becomes :class:`BlockHandlerFailedError` (the caller rolls back what it wrote).

    A webob HTTP exception raised by the handler is its answer, returned as is.

    :raises NoSuchHandlerError: the block has no such handler.
    :raises: what :func:`passed_through` names, unchanged.
    """
    try:
        return handle(block, handler_name, request, suffix)
    except (*passed_through(block), NoSuchHandlerError):
        raise
    except HTTPException as answer:
        return answer
    except Exception as error:
        log.exception(
            "XBlock %s (%s): handler %s failed",
            block.scope_ids.usage_id,
            block.scope_ids.block_type,
            handler_name,
        )
        _ = _gettext(block)
        message = _(HANDLER_FAILED_MESSAGE).format(block_type=block.scope_ids.block_type)
        raise BlockHandlerFailedError(message) from error
