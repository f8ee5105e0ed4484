"""Helpers shared by tests: sign-in through the real form, CSRF tokens."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "mat-khau-thu-nghiem"
SCHOOL_YEAR = "2026-2027"

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token its form carries."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form, as a browser would."""
    token = csrf_token_from(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
