"""The runtime services handed to XBlocks: user, i18n, settings, completion."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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


#: ``"/static/x.png"`` (Open edX's way of naming a course file) in HTML attributes or CSS.
_STATIC_LINK = re.compile(r"""(?P<quote>["'(])/static/(?P<path>[^"')\s?#]+)""")


class LmsReplaceUrlsService:
    """Point ``/static/...`` links in course HTML at the course's files (``replace_urls``)."""

    def __init__(self, course_asset_url: Callable[[str], str]) -> None:
        self._course_asset_url = course_asset_url

    def replace_urls(self, text: str) -> str:
        """Return ``text`` with every ``/static/<path>`` link rewritten."""
        return _STATIC_LINK.sub(lambda m: m["quote"] + self._course_asset_url(m["path"]), text)
