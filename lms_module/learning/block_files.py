"""Name the css/js files packaged with block classes by their content: one URL per file.

Our blocks share one ``static/`` folder (``courses/blocks``): a lesson, a quiz and the vertical
around them each add ``course-blocks.css`` through ``local_resource_url``, which names the
block type. Named per type, the same bytes came from a URL per type, and a browser fetched
and kept each. Here a file gets one URL whatever block asks: the first block type, in name
order, among the installed ``xblock.v1`` entry points of the same Python package whose class
serves the same bytes under that path (deterministic, so every worker and every page agree),
with the start of its SHA-256 in the file name (``course-blocks.<hash>.css``), so the browser
keeps it for a year (``Cache-Control: private, ..., immutable``: signed-in pages only).

Files are read once per process (on every call in debug mode).
"""

from __future__ import annotations

import hashlib
import inspect
import threading
from dataclasses import dataclass
from importlib.metadata import entry_points

from flask import current_app
from xblock.core import XBlock
from xblock.exceptions import DisallowedFileError
from xblock.plugin import AmbiguousPluginError, PluginMissingError

from lms_module.core.assets import hashed_name, split_hashed_name


@dataclass(frozen=True)
class BlockFile:
    """A file a block class serves, under the one URL its content gets."""

    block_type: str  # the block type the URL names (the same for identical files)
    uri: str  # the path the class serves it under (``static/css/course-blocks.css``)
    digest: str
    data: bytes

    @property
    def hashed_uri(self) -> str:
        return hashed_name(self.uri, self.digest)


_FILES: dict[tuple[str, str], BlockFile] = {}
_LOCK = threading.Lock()


def _read(block_type: str, uri: str) -> bytes | None:
    """Return the bytes block type ``block_type`` serves under ``uri``, or ``None``."""
    try:
        block_class = XBlock.load_class(block_type)
        with block_class.open_local_resource(uri) as handle:
            data: bytes = handle.read()
    except (PluginMissingError, AmbiguousPluginError, DisallowedFileError, OSError):
        return None
    return data


def _package_block_types(block_type: str) -> list[str]:
    """Return the installed block types defined in the Python package of ``block_type``'s class,
    in name order (reading entry points imports nothing)."""
    package = inspect.getmodule(XBlock.load_class(block_type)).__package__  # type: ignore[union-attr]
    return sorted(
        {
            point.name
            for point in entry_points(group="xblock.v1")
            if point.module == package or point.module.rpartition(".")[0] == package
        }
    )


def _shared_file(block_type: str, uri: str) -> BlockFile | None:
    data = _read(block_type, uri)
    if data is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    for candidate in _package_block_types(block_type):
        if candidate == block_type or _read(candidate, uri) == data:
            return BlockFile(candidate, uri, digest, data)
    return BlockFile(block_type, uri, digest, data)


def shared_block_file(block_type: str, uri: str) -> BlockFile | None:
    """Return the file ``block_type`` serves under ``uri``, named by its content, or ``None``."""
    if current_app.debug:
        return _shared_file(block_type, uri)
    key = (block_type, uri)
    with _LOCK:
        found = _FILES.get(key)
        if found is None:
            found = _shared_file(block_type, uri)
            if found is not None:  # misses are not kept: a request names any path it likes
                _FILES[key] = found
        return found


def find_block_file(block_type: str, uri: str) -> tuple[BlockFile, bool] | None:
    """Return the file a request names and whether the name is its current hash.

    ``uri`` is the plain path (still served, to be revalidated) or the hashed one the pages
    use; a hash that is no longer current (a page from before a deployment) finds the current
    file, not to be kept.
    """
    found = shared_block_file(block_type, uri)
    if found is not None:
        return found, False
    hashed = split_hashed_name(uri)
    if hashed is None:
        return None
    found = shared_block_file(block_type, hashed[0])
    if found is None:
        return None
    return found, found.digest.startswith(hashed[1])
