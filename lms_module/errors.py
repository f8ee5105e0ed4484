"""Domain exceptions; the web layer maps them to responses in one place."""

from __future__ import annotations


class LMSError(Exception):
    """Base of every error a user can fix; its message is Vietnamese, shown as is."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccessDeniedError(LMSError):
    """The signed-in user lacks the role or the org scope for this action."""

    status_code = 403
