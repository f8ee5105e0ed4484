"""Serving with gunicorn: an access log that never writes a QR card's token.

A card token in ``/card/<token>`` is a bearer credential: whoever reads it in a log can sign
in as the child. ``scripts/demo`` and the production command in the README start gunicorn with
``--logger-class lms_module.serving.RedactingLogger``.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

#: A card path (under any URL prefix) up to the next "/", "?", space or end.
CARD_TOKEN = re.compile(r"(/card/)[^/?#\s]+")


def redact(text: str) -> str:
    """Replace every card token in ``text`` with ``[redacted]``."""
    return CARD_TOKEN.sub(r"\1[redacted]", text)


class RedactingLogger(Logger):  # type: ignore[misc]
    """gunicorn's logger, with card tokens removed from the request line, path and referer."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            value = atoms.get(key)
            if isinstance(value, str):
                atoms[key] = redact(value)
        return atoms
