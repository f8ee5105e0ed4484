"""Served by gunicorn as in production: workers share sign-in limits; card tokens stay out of logs.

Uses the Redis that ``scripts/test`` starts (``LMS_TEST_REDIS_URL``), or a private one (the
``redis_url`` fixture of ``tests/conftest.py``).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import PASSWORD
from lms_module import create_app
from lms_module.db import db_session
from lms_module.migrate import upgrade_database
from lms_module.people.services import create_user
from lms_module.serving import redact

GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path, redis_url: str) -> Iterator[tuple[str, Path]]:
    """gunicorn with two workers on a fresh SQLite file and the shared Redis."""
    with serve(tmp_path, redis_url) as running:
        yield running


@contextlib.contextmanager
def serve(tmp_path: Path, storage_uri: str) -> Iterator[tuple[str, Path]]:
    """Run gunicorn (two workers) with rate-limit counters in ``storage_uri``."""
    database = f"sqlite:///{tmp_path / 'served.sqlite3'}"
    setup = create_app({"LMS_DATABASE_URL": database, "SECRET_KEY": "k"}, instance_path=str(
        tmp_path / "instance"))
    upgrade_database(setup.extensions["lms"].engine)
    with setup.app_context():
        session = db_session()
        create_user(session, username="gv.served", full_name="Lò Văn Nam", password=PASSWORD)
        session.commit()
    setup.extensions["lms"].engine.dispose()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    access_log = tmp_path / "access.log"
    env = {
        **os.environ,
        "LMS_DATABASE_URL": database,
        "FLASK_SECRET_KEY": "served-secret",
        "LMS_SECURE_COOKIES": "false",
        "LMS_PUBLIC_BASE_URL": base,
        "LMS_RATELIMIT_STORAGE_URI": storage_uri,
        "LMS_LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute",
        "FLASK_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
    }
    server = subprocess.Popen(
        [
            str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}",
            "--logger-class", "lms_module.serving.RedactingLogger",
            "--access-logfile", str(access_log), "--error-logfile", str(tmp_path / "error.log"),
            "lms_module:create_app()",
        ],
        env=env,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail(f"gunicorn did not start: {(tmp_path / 'error.log').read_text()}")
        yield base, access_log
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def browser() -> urllib.request.OpenerDirector:
    """A client with its own cookie jar that does not follow redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect()
    )


def status_of(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> int:
    try:
        with opener.open(url, data=data, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        return int(error.code)


def sign_in_status(base: str, password: str) -> int:
    """Sign in as gv.served on a new connection and session (any worker may answer)."""
    opener = browser()
    with opener.open(f"{base}/login", timeout=10) as page:
        html = page.read().decode("utf-8")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, html[:500]
    form = urllib.parse.urlencode(
        {"username": "gv.served", "password": password, "csrf_token": token.group(1)}
    ).encode()
    return status_of(opener, f"{base}/login", form)


def test_workers_count_failed_sign_ins_together(served):
    base, _log = served
    statuses = [sign_in_status(base, f"sai-{attempt}") for attempt in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_sign_in_still_works_while_redis_is_away(tmp_path):
    """The limiter falls back to counting per process instead of refusing every sign-in."""
    with serve(tmp_path, f"redis+unix://{tmp_path}/no-redis-here.sock") as (base, _log):
        assert sign_in_status(base, PASSWORD) == 302
        assert sign_in_status(base, "sai") == 200


def test_card_tokens_never_reach_the_access_log(served):
    base, access_log = served
    token = "eyJzZWNyZXQiOiJ0aGUtY2FyZC10b2tlbiJ9.c2lnbmF0dXJl"
    assert status_of(browser(), f"{base}/card/{token}") == 404
    deadline = time.monotonic() + 10
    while "/card/" not in access_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    logged = access_log.read_text()
    assert "/card/[redacted]" in logged
    assert token not in logged


def test_redaction_covers_a_prefix_and_a_query():
    assert redact("GET /lms/card/abc.def?x=1 HTTP/1.1") == "GET /lms/card/[redacted]?x=1 HTTP/1.1"
