"""Compress the module's text responses (brotli or gzip) with Flask-Compress, and only those.

Flask-Compress's own ``init_app`` would compress every route of the app, a host app's
included, and its settings are app-wide ``COMPRESS_*`` keys a host may use for itself. So the
module builds its own :class:`ModuleCompress`: the web layer calls :meth:`compress` from its
``after_request`` for the module's own responses (the whole app when standalone, the URL
prefix when embedded), with the module's list of types; a host app that wants its own pages
compressed sets up Flask-Compress itself (a response already compressed is left alone).

Types: HTML, CSS, JavaScript, JSON, SVG (:data:`COMPRESSED_TYPES`). Not compressed: WOFF2
fonts, images, PDFs and ZIPs (compressed already), streamed responses (CSV and ZIP exports,
sent as they are made), bodies under 500 bytes. Every answer that could have been compressed
says ``Vary: Accept-Encoding``, so a shared cache never hands gzip to a client that did not
ask for it.

BREACH (a compressed page that holds a secret beside text the attacker chose leaks the secret
through its size, over thousands of requests the victim's browser must be made to send) is
answered in ``core/csrf.py``: the CSRF token in a page is masked anew for every response, and
the session cookie travels in a header, which is not compressed. Other private text in pages
(names, certificate codes) is compressed, an accepted risk: the session cookie is
``SameSite=Lax``, so another site's scripts, images and frames load our pages signed out, and
the top-level navigations that do carry it cannot be repeated from a page the attacker keeps
(``Cross-Origin-Opener-Policy: same-origin`` cuts a popup off from its opener).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from flask_compress import Compress

#: Response types the module compresses (Flask-Compress compares the mimetype, no charset).
COMPRESSED_TYPES = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "image/svg+xml",
    }
)
#: Best first: brotli (every current browser over HTTPS and on localhost), then gzip.
ALGORITHMS = ("br", "gzip")

#: Flask-Compress's own defaults for the keys its ``after_request`` reads; set only when the
#: app has none, so a host's Flask-Compress keeps its values (and so do we).
FLASK_COMPRESS_DEFAULTS: dict[str, Any] = {
    "COMPRESS_LEVEL": 6,
    "COMPRESS_BR_LEVEL": 4,
    "COMPRESS_BR_MODE": 0,
    "COMPRESS_BR_WINDOW": 22,
    "COMPRESS_BR_BLOCK": 0,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_STREAMS": False,
    "COMPRESS_EVALUATE_CONDITIONAL_REQUEST": True,
}


class ModuleCompress(Compress):
    """Flask-Compress for the module's responses only; registers no app-wide hook."""

    def __init__(self) -> None:
        super().__init__(app=None)

    def init_app(self, app: Flask) -> None:
        """Set the module's types and algorithms; add no ``after_request`` to ``app``."""
        for key, value in FLASK_COMPRESS_DEFAULTS.items():
            app.config.setdefault(key, value)
        self.cache = None
        self.cache_key = None
        self.compress_mimetypes_set = set(COMPRESSED_TYPES)
        self.enabled_algorithms = ALGORITHMS
        self.streaming_algorithms = ALGORITHMS
        self.streaming_endpoint_with_conditional = set()

    def compress(self, response: Response) -> Response:
        """Compress ``response`` if its type and the client allow it; streams pass as they are."""
        if response.is_streamed:
            return response  # exports stream as they are made; never buffered here
        compressed: Response = self.after_request(response)
        return compressed


compression = ModuleCompress()
