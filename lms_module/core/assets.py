"""Serve a folder of static files under content-hashed names that browsers keep for a year.

``url_for("lms.core.static", filename="css/lms.css")`` gives ``/assets/css/lms.<hash>.css``
(templates write ``asset_url("lms.core.static", "css/lms.css")``, the same URL built once):
the hash is the start of the SHA-256 of the file as served, computed once per process (on
every call in debug mode, so edits show at once). A hashed name is answered with
``Cache-Control: public, max-age=31536000, immutable``: a browser never asks again, and a
changed file gets a new name. The plain name (``/assets/css/lms.css``), an old hash after a
deployment, keep working with ``no-cache`` and an ``ETag`` (the browser revalidates).

Stylesheets name fonts and images with relative ``url(...)``: those are rewritten to the
hashed names before the stylesheet's own hash is taken, so a new font also renames the
stylesheet that uses it (as Django's ``ManifestStaticFilesStorage`` does).
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, request, url_for
from werkzeug.wrappers import Response as BaseResponse

#: Characters of the SHA-256 (hex) put in a file name: 48 bits, no collision among our files.
HASH_LENGTH = 12
IMMUTABLE = "public, max-age=31536000, immutable"
#: Types Python's table lacks or gives differently on some systems.
CONTENT_TYPES = {
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".ico": "image/vnd.microsoft.icon",
    ".txt": "text/plain",
}
_HASHED_NAME = re.compile(
    r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{" + str(HASH_LENGTH) + r"})(?P<suffix>\.[^./]+)$"
)
_CSS_URL = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<ref>[^'")\s]+)(?P=quote)\s*\)""")


@dataclass(frozen=True)
class Asset:
    """One static file as served: its bytes, type and content-hashed name."""

    filename: str
    hashed_name: str
    digest: str
    data: bytes
    mimetype: str


def hashed_name(filename: str, digest: str) -> str:
    """Return ``filename`` with ``digest``'s first characters before its extension."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot or "/" in suffix:
        return f"{filename}.{digest[:HASH_LENGTH]}"
    return f"{stem}.{digest[:HASH_LENGTH]}.{suffix}"


def split_hashed_name(name: str) -> tuple[str, str] | None:
    """Return (plain name, hash) of a name :func:`hashed_name` made, else ``None``."""
    match = _HASHED_NAME.match(name)
    return (match["stem"] + match["suffix"], match["hash"]) if match else None


class AssetIndex:
    """Every file of a folder, read once, by plain and by hashed name."""

    def __init__(self, folder: Path) -> None:
        files = {
            path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file() and not any(p.startswith(".") for p in path.relative_to(folder).parts)
        }
        self.by_name: dict[str, Asset] = {}
        # Stylesheets last: their text names the other files' hashed names.
        for filename in sorted(files, key=lambda name: name.endswith(".css")):
            data = files[filename]
            if filename.endswith(".css"):
                data = self._rewrite_css(filename, data)
            digest = hashlib.sha256(data).hexdigest()
            suffix = posixpath.splitext(filename)[1].lower()
            mimetype = (
                CONTENT_TYPES.get(suffix)
                or mimetypes.guess_type(filename)[0]
                or "application/octet-stream"
            )
            self.by_name[filename] = Asset(
                filename, hashed_name(filename, digest), digest, data, mimetype
            )
        self.by_hashed_name = {asset.hashed_name: asset for asset in self.by_name.values()}

    def _rewrite_css(self, filename: str, data: bytes) -> bytes:
        """Point the stylesheet's relative ``url(...)`` at the hashed names of their files."""
        folder = posixpath.dirname(filename)

        def replace(match: re.Match[str]) -> str:
            ref = match["ref"]
            if ref.startswith(("data:", "#", "/")) or "//" in ref.split("?")[0].split("#")[0]:
                return match[0]
            path, tail = re.match(r"([^?#]*)(.*)", ref).groups()  # type: ignore[union-attr]
            target = posixpath.normpath(posixpath.join(folder, path))
            asset = self.by_name.get(target)
            if asset is None:
                return match[0]
            relative = posixpath.relpath(asset.hashed_name, folder or ".")
            return f'url("{relative}{tail}")'

        return _CSS_URL.sub(replace, data.decode("utf-8")).encode("utf-8")

    def find(self, requested: str) -> tuple[Asset, bool] | None:
        """Return the asset named ``requested`` and whether the name is its current hash.

        A plain name, or a hashed name whose hash is no longer current (a page from before a
        deployment), finds the current file, not to be kept for long.
        """
        asset = self.by_hashed_name.get(requested)
        if asset is not None:
            return asset, True
        asset = self.by_name.get(requested)
        if asset is not None:
            return asset, False
        hashed = split_hashed_name(requested)
        if hashed is not None:
            asset = self.by_name.get(hashed[0])
            if asset is not None:
                return asset, False
        return None


def kept_url(key: tuple[str, ...], build: Callable[[], str]) -> str:
    """Return the URL ``build`` makes for ``key``, built once per app and mount point (the
    app's ``LMSState.kept_urls``), for a file whose URL only changes with a new deployment;
    built on every call in debug mode, where files change."""
    if current_app.debug:
        return build()
    kept: dict[tuple[str, ...], str] = current_app.extensions["lms"].kept_urls
    full_key = (request.script_root, *key)
    url = kept.get(full_key)
    if url is None:
        url = kept[full_key] = build()
    return url


def asset_url(endpoint: str, filename: str) -> str:
    """Return ``url_for(endpoint, filename=filename)`` for a static file a template names
    (templates' ``asset_url``), built once (:func:`kept_url`)."""
    return kept_url(("asset", endpoint, filename), lambda: url_for(endpoint, filename=filename))


class StaticFiles:
    """A folder of static files served with hashed URLs (see the module's docstring).

    Register it on a blueprint with a view that calls :meth:`response` and
    ``bp.url_defaults(files.url_defaults)``, so ``url_for("<bp>.static", filename=...)``
    names the hashed file.
    """

    def __init__(self, folder: Path, endpoint: str = "static") -> None:
        self.folder = folder
        self.endpoint = endpoint
        self._index: AssetIndex | None = None
        self._lock = threading.Lock()

    def index(self) -> AssetIndex:
        """Return the folder's index: built once per process, or on every call in debug mode."""
        if current_app.debug:
            return AssetIndex(self.folder)
        with self._lock:
            if self._index is None:
                self._index = AssetIndex(self.folder)
            return self._index

    def hashed_name(self, filename: str) -> str:
        """Return the hashed name of ``filename`` (``filename`` itself if there is no such file)."""
        asset = self.index().by_name.get(filename)
        return asset.hashed_name if asset is not None else filename

    def url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Give ``url_for`` of this blueprint's static endpoint the hashed file name."""
        if endpoint.rpartition(".")[2] == self.endpoint and "filename" in values:
            values["filename"] = self.hashed_name(values["filename"])

    def response(self, filename: str) -> BaseResponse:
        """Answer a request for ``filename``: immutable when hashed, revalidated otherwise."""
        found = self.index().find(filename)
        if found is None:
            abort(404)
        asset, current = found
        response = Response(asset.data, mimetype=asset.mimetype)
        response.set_etag(asset.digest)
        if current:
            response.headers["Cache-Control"] = IMMUTABLE
        else:
            response.cache_control.no_cache = True
        return response.make_conditional(request)
