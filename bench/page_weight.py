"""Measure what a student's first lesson costs on a slow phone network: bytes, requests, time.

Builds the demo (``build_demo``: the demo tree, people and curriculum) on SQLite in a temporary
folder, serves the standalone app on a free loopback port (Werkzeug's threaded server, HTTP/1.1
keep-alive) and drives Debian's headless Chromium through Playwright. Each round uses a fresh
browser context (empty cache, no cookies):

1. the student signs in (no throttling);
2. the browser cache is emptied (``Network.clearBrowserCache``), then the DevTools protocol
   throttles the network (``Network.emulateNetworkConditions``: 400 ms latency, 400 kbit/s
   down and up, the "slow 3G" profile of the issue) and the student's first lesson is opened:
   the **first visit** (cold cache);
3. the same lesson is opened again (navigation, warm cache): the **repeat visit**.

For each visit it counts the bytes on the wire (``encodedDataLength`` of every
``Network.loadingFinished``: headers and compressed bodies) and the requests that reached the
network (not served from the memory or disk cache), from the navigation until the network is
quiet, and the time to the load event
(``PerformanceNavigationTiming.loadEventStart``). It prints the median of the rounds with the
spread (min-max) and the goals of issue #12 (first visit <= 100 KB and <= 3 s on slow 3G, repeat
visit <= 20 KB) beside them, and the heaviest responses of the first visit. The page's own POST
that records the view is a keepalive fetch: Chromium reports it sent but not its size, so it
counts as a request and adds no bytes (about 1 KB with headers). Figures only: the exit status
is 0 whatever they are.

    .venv/bin/python bench/page_weight.py [--rounds 5] [--student hs.thtp.4]

Needs the test extra (Playwright) and the Debian package ``chromium`` (or
``PLAYWRIGHT_CHROMIUM_EXECUTABLE``). Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import BrowserContext, CDPSession, Page, sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
# Chromium's switches and the sign-in through the form, as the browser tests have them.
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_support import CHROMIUM_ARGS, sign_in  # noqa: E402

from lms_module import create_app  # noqa: E402
from lms_module.db import db_session  # noqa: E402
from lms_module.demo.services import build_demo  # noqa: E402
from lms_module.migrate import upgrade_database  # noqa: E402

#: The slow-3G profile: 400 ms round trip, 400 kbit/s each way (bytes per second for CDP).
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
GOALS = {"first_kb": 100, "repeat_kb": 20, "first_seconds": 3.0}


@dataclass
class Visit:
    """What one page load sent over the network."""

    bytes: int = 0
    requests: int = 0
    load_seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)


class NetworkCounter:
    """Count the requests and bytes a page makes, from the DevTools protocol's events."""

    def __init__(self, cdp: CDPSession) -> None:
        self.urls: dict[str, str] = {}
        self.methods: dict[str, str] = {}
        self.cached: set[str] = set()
        self.sizes: dict[str, int] = {}
        self.failed: list[str] = []
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def reset(self) -> None:
        self.urls.clear()
        self.methods.clear()
        self.cached.clear()
        self.sizes.clear()
        self.failed.clear()

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]
        self.methods[event["requestId"]] = event["request"]["method"]

    def _from_cache(self, event: dict[str, Any]) -> None:
        self.cached.add(event["requestId"])

    def _response(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self.cached.add(event["requestId"])

    def _finished(self, event: dict[str, Any]) -> None:
        self.sizes[event["requestId"]] = int(event["encodedDataLength"])

    def _failed(self, event: dict[str, Any]) -> None:
        self.failed.append(self.urls.get(event["requestId"], event["requestId"]))

    def settled(self) -> bool:
        """Tell whether every request has ended (keepalive POSTs aside: see ``load``)."""
        return all(
            rid in self.sizes or rid in self.cached or self.methods[rid] == "POST"
            for rid in self.urls
        )

    def visit(self, load_seconds: float) -> Visit:
        network = [rid for rid in self.urls if rid not in self.cached]
        sizes = {self.urls[rid]: self.sizes.get(rid, 0) for rid in network}
        return Visit(sum(self.sizes.values()), len(network), load_seconds, sizes)


@contextmanager
def demo_server(folder: Path) -> Iterator[str]:
    """Serve the demo from a new SQLite database in ``folder``; yield the base URL."""
    app: Flask = create_app(
        {
            "SECRET_KEY": "bench-page-weight",
            "LMS_DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
            "LMS_SECURE_COOKIES": False,
            "LMS_LOGIN_RATE_LIMIT": "1000 per minute",
            "LMS_LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
            "TRUSTED_HOSTS": ["127.0.0.1"],
        }
    )
    upgrade_database(app.extensions["lms"].engine)
    with app.app_context():
        session = db_session()
        build_demo(session)
        session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["LMS_PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield app.config["LMS_PUBLIC_BASE_URL"]
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["lms"].engine.dispose()


def first_lesson_url(page: Page) -> str:
    """Return the URL of the first unit of the student's first course."""
    page.goto("/courses")
    page.locator("main a[href*='/courses/']").first.click()
    page.wait_for_load_state()
    href = page.locator("main a[href*='/units/']").first.get_attribute("href")
    if href is None:
        raise SystemExit("The student's first course has no unit link on its outline.")
    return href


def load(page: Page, counter: NetworkCounter, url: str) -> Visit:
    """Open ``url``, wait until the network is idle, and return what it cost."""
    counter.reset()
    page.goto(url, wait_until="load", timeout=120_000)
    # Playwright's "networkidle" never comes: the view-record POST is a keepalive fetch, which
    # the browser process finishes without telling the page's DevTools session. Wait until
    # everything else has ended and nothing new started for a second.
    seen = -1
    for _ in range(600):
        if counter.settled() and len(counter.urls) == seen:
            break
        seen = len(counter.urls)
        page.wait_for_timeout(1000)
    seconds = page.evaluate(
        "() => performance.getEntriesByType('navigation')[0].loadEventStart / 1000"
    )
    if counter.failed:
        print(f"  failed requests: {counter.failed}")
    return counter.visit(float(seconds))


def one_round(context: BrowserContext, student: str) -> tuple[Visit, Visit]:
    page = context.new_page()
    sign_in(page, student)
    url = first_lesson_url(page)
    cdp = context.new_cdp_session(page)
    counter = NetworkCounter(cdp)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    first = load(page, counter, url)
    page.goto("about:blank")
    repeat = load(page, counter, url)
    page.close()
    return first, repeat


def spread(values: list[float], unit: str, digits: int = 1) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:.{digits}f} {unit} (min {low:.{digits}f}, max {high:.{digits}f})"


def report(name: str, visits: list[Visit], goal_kb: int, goal_seconds: float | None) -> None:
    kb = [v.bytes / 1000 for v in visits]
    print(f"{name}:")
    print(f"  bytes     {spread(kb, 'KB')}   goal <= {goal_kb} KB")
    print(f"  requests  {spread([float(v.requests) for v in visits], '', 0)}")
    goal = f"   goal <= {goal_seconds:.0f} s" if goal_seconds is not None else ""
    print(f"  load      {spread([v.load_seconds for v in visits], 's', 2)}{goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--student", default="hs.thtp.4")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    executable = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE", "/usr/bin/chromium")
    firsts: list[Visit] = []
    repeats: list[Visit] = []
    with tempfile.TemporaryDirectory(prefix="page-weight-") as folder, demo_server(
        Path(folder)
    ) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            for _ in range(args.rounds):
                context = browser.new_context(
                    base_url=base_url, locale="vi-VN", viewport={"width": 390, "height": 844}
                )
                try:
                    first, repeat = one_round(context, args.student)
                finally:
                    context.close()
                firsts.append(first)
                repeats.append(repeat)
        finally:
            browser.close()
    print(f"Student {args.student}'s first lesson, slow 3G (400 ms, 400 kbit/s), "
          f"{args.rounds} rounds, median (min, max):")
    report("First visit (cold cache)", firsts, GOALS["first_kb"], GOALS["first_seconds"])
    report("Repeat visit (warm cache)", repeats, GOALS["repeat_kb"], None)
    print("Heaviest responses of the first visit (bytes on the wire):")
    heaviest = sorted(firsts[-1].sizes.items(), key=lambda item: -item[1])[:8]
    for url, size in heaviest:
        print(f"  {size:>8,}  {url.removeprefix(base_url)}")


if __name__ == "__main__":
    main()
