"""The response of a file with personal data: named, never cached."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response


def private_file(
    body: bytes | Iterable[bytes], *, filename: str, mimetype: str, inline: bool = False
) -> Response:
    """Return ``body`` as a file to save (or, ``inline``, to open in the browser) that no cache
    keeps: letters, cards, certificates, exports and sheets carry personal data.

    :param filename: an ASCII name of our own (never one a user typed or uploaded).
    """
    disposition = "inline" if inline else "attachment"
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
