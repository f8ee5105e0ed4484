"""Fixtures for the browser tests: a live server and headless Chromium.

Every test collected under ``tests/browser`` is marked ``browser`` so it can be
selected or excluded with ``-m browser`` / ``-m "not browser"``.

Playwright cannot download its own browsers here; Debian's ``chromium``
package is launched through ``executable_path`` instead (override with the
``PLAYWRIGHT_CHROMIUM_EXECUTABLE`` environment variable).
"""

from __future__ import annotations

import os
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM_ARGS
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from courses.content import SAMPLE_COURSE
from helpers import make_test_app, reset_schema
from lms_module.db import db_session
from lms_module.demo.services import build_demo
from lms_module.learning.course_loader import load_course

BROWSER_DIR = Path(__file__).resolve().parent



@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees every collected item of the session, not only this
    # folder's; tryfirst so the marker exists before `-m` deselects items.
    for item in items:
        if item.path.is_relative_to(BROWSER_DIR):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo, plus the sample course (grades 1-2), on its own SQLite file: the server's
    threads see committed data only."""
    database = tmp_path_factory.mktemp("browser-db") / "demo.sqlite3"
    # The live server's address is known only once it listens (see live_server).
    app = make_test_app(f"sqlite:///{database}", TRUSTED_HOSTS=["127.0.0.1"])
    reset_schema(app)
    with app.app_context():
        session = db_session()
        build_demo(session)
        load_course(session, SAMPLE_COURSE)
        session.commit()
    yield app
    app.extensions["lms"].engine.dispose()


@pytest.fixture()
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free localhost port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, name="live-server", daemon=True
    )
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["LMS_PUBLIC_BASE_URL"] = base_url
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture()
def queue_worker(
    app: Flask, live_server: str, redis_url: str, tmp_path: Path
) -> Iterator[Callable[[], None]]:
    """Send the live server's jobs to a real Redis queue of their own; yield a function that
    starts ``lms worker`` on the server's database (stopped, the settings restored, after)."""
    from queue_support import start_worker, stop

    saved = {key: app.config[key] for key in ("LMS_REDIS_URL", "LMS_QUEUE_NAME")}
    app.config.update(LMS_REDIS_URL=redis_url, LMS_QUEUE_NAME=f"lms-browser-{uuid.uuid4().hex[:8]}")
    workers: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        workers.append(start_worker(app, tmp_path / "worker.log"))

    try:
        yield start
    finally:
        for worker in workers:
            stop(worker)
        app.config.update(saved)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    if not os.access(executable, os.X_OK):
        pytest.fail(
            f"Chromium not found at {executable}: install the Debian package "
            "`chromium` or set PLAYWRIGHT_CHROMIUM_EXECUTABLE",
            pytrace=False,
        )
    browser = playwright_instance.chromium.launch(
        executable_path=executable, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture()
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """A fresh context (Vietnamese locale, small phone screen) and page.

    The context's ``base_url`` is the live server, so ``page.goto("/login")``
    works; the server outlives the page because this fixture depends on it.
    """
    context = browser.new_context(
        base_url=live_server,
        locale="vi-VN",
        viewport={"width": 390, "height": 844},
    )
    try:
        yield context.new_page()
    finally:
        context.close()
