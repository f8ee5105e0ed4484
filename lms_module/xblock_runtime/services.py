"""The runtime services handed to XBlocks: user, i18n, settings, completion, replace_urls."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from babel.messages.pofile import read_po
from xblock.reference.user_service import UserService, XBlockUser

import courses

#: Where the blocks' interface strings are translated (source language: Vietnamese).
COURSES_TRANSLATIONS = Path(courses.__file__).parent / "translations"


class RuntimeUser(Protocol):
    """The signed-in user as the runtime sees them (the LMS's ``User`` row is one)."""

    @property
    def id(self) -> int:
        """The user's id: the key of their learner state."""
        ...

    @property
    def username(self) -> str:
        """The name they sign in with."""
        ...

    @property
    def full_name(self) -> str:
        """Their full name, as blocks greet them."""
        ...

    @property
    def email(self) -> str | None:
        """Their email address, if they gave one."""
        ...


@dataclass(frozen=True)
class MemoryUser:
    """A :class:`RuntimeUser` that is only a value (the reference version, for tests)."""

    id: int
    username: str
    full_name: str = ""
    email: str | None = None


class LmsUserService(UserService):  # type: ignore[misc]
    """Describe the signed-in user to blocks (``user`` service)."""

    def __init__(self, user: RuntimeUser | None, role: str | None = None) -> None:
        super().__init__()
        self._user = user
        self._role = role

    def get_current_user(self) -> XBlockUser:
        """Return the current user, with their Vietnamese full name."""
        if self._user is None:
            anonymous = XBlockUser(is_current_user=True)
            anonymous.opt_attrs = {"edx-platform.is_authenticated": False}
            return anonymous
        user = self._user
        xblock_user = XBlockUser(
            is_current_user=True,
            emails=[user.email] if user.email else [],
            full_name=user.full_name,
        )
        xblock_user.opt_attrs = {
            "lms.user_id": user.id,
            "lms.username": user.username,
            "edx-platform.user_id": user.id,
            "edx-platform.username": user.username,
            "edx-platform.is_authenticated": True,
            "edx-platform.user_role": self._role or "student",
        }
        return xblock_user


@functools.lru_cache(maxsize=8)
def _catalogue(language: str) -> Mapping[str, str]:
    """Load ``courses/translations/<language>.po`` (Vietnamese needs none)."""
    path = COURSES_TRANSLATIONS / f"{language}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string
    }


class LmsI18nService:
    """Translate block interface strings (``i18n`` service): Vietnamese source, English.

    Course content itself is not translated here: blocks keep Vietnamese and English text
    side by side and choose by :attr:`language`.
    """

    def __init__(self, language: str = "vi") -> None:
        self.language = language if language in ("vi", "en") else "vi"

    def gettext(self, message: str) -> str:
        """Return ``message`` in the current language."""
        return _catalogue(self.language).get(message, message)

    def ngettext(self, singular: str, plural: str, number: int) -> str:
        """Return the singular or plural form (Vietnamese has one form; English two)."""
        return self.gettext(singular if number == 1 else plural)

    # Older blocks use the Python 2 names.
    ugettext = gettext
    ungettext = ngettext

    def strftime(self, dtime: dt.date | dt.datetime, format: str) -> str:
        """Format a date: ``SHORT_DATE`` and ``DATE_TIME`` use Vietnamese dd/mm/yyyy order."""
        formats = {
            "SHORT_DATE": "%d/%m/%Y",
            "LONG_DATE": "%d/%m/%Y",
            "DATE_TIME": "%d/%m/%Y %H:%M",
        }
        return dtime.strftime(formats.get(format, format))

    def get_javascript_i18n_catalog_url(self, block: Any) -> None:
        """Return no JavaScript catalogue: our blocks render their strings on the server."""
        return None


class LmsSettingsService:
    """Give blocks their settings bucket from ``LMS_XBLOCK_SETTINGS`` (``settings`` service)."""

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self._settings = dict(settings or {})

    def get_settings_bucket(self, block: Any, default: Any = None) -> Any:
        """Return the settings of the block's class (key: ``block_settings_key`` or name)."""
        key = getattr(block, "block_settings_key", None) or type(block).__name__
        return self._settings.get(key, {} if default is None else default)


class LmsCompletionService:
    """Tell blocks how far the learner is (a subset of Open edX's ``completion`` service)."""

    def __init__(self, completions: Callable[[], Mapping[str, float]], enabled: bool) -> None:
        self._completions = completions
        self._enabled = enabled

    def completion_tracking_enabled(self) -> bool:
        """Tell whether completion is tracked (only for a signed-in learner)."""
        return self._enabled

    def get_completions(self, candidates: Iterable[str]) -> dict[str, float]:
        """Return the completion (0..1) of each usage id in ``candidates``."""
        known = self._completions() if self._enabled else {}
        return {str(c): float(known.get(str(c), 0.0)) for c in candidates}


#: ``"/static/x.png"`` (Open edX's way of naming a course file) in a quoted HTML attribute or
#: CSS string (the name may hold spaces: it runs to the closing quote, a query or a fragment),
#: or unquoted in CSS ``url(...)`` and Markdown ``(...)`` links.
_STATIC_LINK = re.compile(
    r"""(?P<quote>["'])/static/(?P<path>[^"'?#]+)(?P<rest>[^"']*)(?P=quote)"""
    r"""|(?P<paren>\()\s*/static/(?P<bare>[^)\s"'?#]+)"""
)
#: ``"/jump_to_id/<url_name>"``: Open edX's link to another block of the same course.
_JUMP_LINK = re.compile(
    r"""(?P<quote>["'])/jump_to_id/(?P<name>[^"'?#/]+)(?P<rest>[^"']*)(?P=quote)"""
    r"""|(?P<paren>\()\s*/jump_to_id/(?P<bare>[^)\s"'?#/]+)"""
)
#: Characters Open edX's contentstore does not keep in a file's name (``AssetLocator``).
_ASSET_NAME_UNSAFE = re.compile(r"[^\w.%-]")


def course_asset_name(path: str) -> str:
    """Return the name under which a course file is stored and served.

    Open edX's contentstore names a course file after its path under ``static/`` with "/"
    and every character other than letters, digits, ``_ . % -`` replaced by "_"
    (``StaticContent.compute_location``): ``static/thank you.png`` is served as
    ``thank_you.png``, ``static/images/a.png`` as ``images_a.png``, and course HTML links
    to either form. Links are read URL-decoded (``thank%20you.png``) and in Unicode NFC.
    """
    name = unicodedata.normalize("NFC", unquote(path)).replace("/", "_")
    return _ASSET_NAME_UNSAFE.sub("_", name)


@dataclass(frozen=True)
class CourseLinks:
    """The course links in a text: ``/static/`` paths and ``/jump_to_id/`` targets."""

    static: frozenset[str]
    jump_to_id: frozenset[str]


def find_course_links(text: str) -> CourseLinks:
    """Return the ``/static/<path>`` paths and ``/jump_to_id/<url_name>`` targets in ``text``
    (URL-decoded), as :class:`LmsReplaceUrlsService` will rewrite them."""
    return CourseLinks(
        frozenset(unquote(m["path"] or m["bare"]) for m in _STATIC_LINK.finditer(text)),
        frozenset(unquote(m["name"] or m["bare"]) for m in _JUMP_LINK.finditer(text)),
    )


class LmsReplaceUrlsService:
    """Point course links in course HTML at ours (``replace_urls``): ``/static/<path>`` at the
    course's file (by :func:`course_asset_name`), ``/jump_to_id/<url_name>`` at the page that
    shows that block.

    :param course_asset_url: the URL of a course file, by its stored name.
    :param jump_url: the URL that opens the block with a url_name; ``None``: such links stay.
    """

    def __init__(
        self,
        course_asset_url: Callable[[str], str],
        jump_url: Callable[[str], str] | None = None,
    ) -> None:
        self._course_asset_url = course_asset_url
        self._jump_url = jump_url

    def replace_urls(self, text: str) -> str:
        """Return ``text`` with every ``/static/`` and ``/jump_to_id/`` link rewritten."""
        if "/static/" not in text and "/jump_to_id/" not in text:
            return text  # most blocks' HTML has neither: no need to scan it twice

        def static(match: re.Match[str]) -> str:
            if match["paren"]:
                return "(" + self._course_asset_url(course_asset_name(match["bare"]))
            url = self._course_asset_url(course_asset_name(match["path"]))
            return match["quote"] + url + match["rest"] + match["quote"]

        def jump(match: re.Match[str]) -> str:
            assert self._jump_url is not None
            if match["paren"]:
                return "(" + self._jump_url(unquote(match["bare"]))
            url = self._jump_url(unquote(match["name"]))
            return match["quote"] + url + match["rest"] + match["quote"]

        text = _STATIC_LINK.sub(static, text)
        if self._jump_url is not None:
            text = _JUMP_LINK.sub(jump, text)
        return text
