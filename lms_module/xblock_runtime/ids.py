"""Usage and definition ids derived from course slug, block type and url_name (stable ids).

A usage id looks like ``block-v1:an-toan-1-2+type@vertical+block@u1_an_toan``; the definition
id is the same with the ``def-v1:`` prefix. Because nothing random goes in, the same OLX gives
the same ids after a restart or a re-import, and learner state keyed by them survives both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xblock.exceptions import NoSuchDefinition, NoSuchUsage
from xblock.runtime import IdGenerator, IdReader

USAGE_PREFIX = "block-v1:"
DEFINITION_PREFIX = "def-v1:"

#: Characters allowed in a url_name and a course slug (Open edX allows a little more; we map
#: the rest to "_" so ids stay URL-safe).
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")
_ID_PATTERN = re.compile(
    r"^(?P<prefix>block-v1:|def-v1:)(?P<course>[A-Za-z0-9_.\-]+)"
    r"\+type@(?P<type>[A-Za-z0-9_.\-]+)\+block@(?P<name>[A-Za-z0-9_.\-]+)$"
)


@dataclass(frozen=True)
class BlockKey:
    """The parts of a usage or definition id."""

    course_slug: str
    block_type: str
    url_name: str

    @property
    def usage_id(self) -> str:
        """Return the usage id of this block."""
        return f"{USAGE_PREFIX}{self.course_slug}+type@{self.block_type}+block@{self.url_name}"

    @property
    def definition_id(self) -> str:
        """Return the definition id of this block."""
        return f"{DEFINITION_PREFIX}{self.course_slug}+type@{self.block_type}+block@{self.url_name}"


class DefinitionId(str):
    """A definition id (a plain ``str`` everywhere) that also answers ``.block_type`` and
    ``.block_id`` (the url_name it was made from), as Open edX's definition keys do.

    Blocks written for Open edX read ``runtime.id_generator.create_definition(tag,
    url_name).block_id`` in ``parse_xml`` to find their files (markdown-xblock:
    ``markdown/<url_name>.md``).
    """

    block_type: str
    block_id: str

    def __new__(cls, value: str, block_type: str, block_id: str) -> DefinitionId:
        made = super().__new__(cls, value)
        made.block_type = block_type
        made.block_id = block_id
        return made


def safe_name(value: str) -> str:
    """Return ``value`` with characters not allowed in ids replaced by ``_``."""
    return _UNSAFE.sub("_", value.strip())[:120] or "_"


def parse_block_id(block_id: str) -> BlockKey | None:
    """Split a usage or definition id into its parts; ``None`` if it is not one of ours."""
    match = _ID_PATTERN.match(block_id)
    if match is None:
        return None
    return BlockKey(match["course"], match["type"], match["name"])


class CourseIdManager(IdReader, IdGenerator):  # type: ignore[misc]
    """Read and create the ids of one course's blocks; asides are not supported."""

    def __init__(self, course_slug: str) -> None:
        self.course_slug = course_slug

    def create_definition(self, block_type: str, slug: str | None = None) -> DefinitionId:
        """Return the definition id of the block ``slug`` (its url_name) of ``block_type``.

        Its ``block_id`` is ``slug`` as given (Open edX keeps ``:`` in url_names, meaning
        sub-folders); the id itself uses :func:`safe_name`.
        """
        if slug is None:
            raise ValueError("Stable ids need a url_name: pass it as slug.")
        key = BlockKey(self.course_slug, block_type, safe_name(slug))
        return DefinitionId(key.definition_id, block_type, slug)

    def create_usage(self, def_id: str) -> str:
        key = parse_block_id(def_id)
        if key is None:
            raise NoSuchDefinition(def_id)
        return key.usage_id

    def get_definition_id(self, usage_id: str) -> str:
        key = parse_block_id(usage_id)
        if key is None or not usage_id.startswith(USAGE_PREFIX):
            raise NoSuchUsage(usage_id)
        return key.definition_id

    def get_block_type(self, def_id: str) -> str:
        key = parse_block_id(def_id)
        if key is None:
            raise NoSuchDefinition(def_id)
        return key.block_type

    def create_aside(self, definition_id: str, usage_id: str, aside_type: str) -> tuple[str, str]:
        raise NotImplementedError("Asides are turned off in this runtime.")

    def get_usage_id_from_aside(self, aside_id: str) -> str:
        raise NotImplementedError("Asides are turned off in this runtime.")

    def get_definition_id_from_aside(self, aside_id: str) -> str:
        raise NotImplementedError("Asides are turned off in this runtime.")

    def get_aside_type_from_usage(self, aside_id: str) -> str:
        raise NotImplementedError("Asides are turned off in this runtime.")

    def get_aside_type_from_definition(self, aside_id: str) -> str:
        raise NotImplementedError("Asides are turned off in this runtime.")
