"""Measure our XBlock runtime through the whole WSGI stack beside xblock-sdk's workbench.

In one run, on the same machine, the same unit (a vertical holding a two-question quiz) is
rendered and the quiz submitted:

* in our app: Flask test client, a signed-in student, the CSRF token, SQLite in a temporary
  folder (or ``LMS_DATABASE_URL``), the learner's unit page and the handler route;
* in the workbench: Django test client against its own URLs (its scenario page and handler
  view), its SQLite database in the same temporary folder.

Both are set up first, then measured in rounds, each round interleaved request by request
(ours, workbench, workbench, ours…, for the render and for the submit): a swing in the
machine's load, however short, falls on both alike. Per metric it prints the median requests
per second of each, the median of the per-round ratios ours / workbench (above 1: ours serves
more requests per second) with their spread (min–max), and the number of rounds. Figures only,
no pass or fail. The workbench is a
test dependency: ``pip install -e '.[test]'`` first.

    .venv/bin/python bench/bench_xblock_runtime.py [--rounds 9] [--requests 30]

The unit render is the GET a browser makes: it writes nothing (the POST the page's script
then sends to record the view is a request of its own, not counted here). Every submission
commits (the answers), so on SQLite that figure follows the disk's fsync rate as much as the
code; set ``LMS_DATABASE_URL`` for PostgreSQL (ours only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The workbench's Django settings live with the workbench tests.
sys.path.insert(0, str(ROOT / "tests" / "courses"))

from workbench_support import configure_workbench, workbench_client  # noqa: E402

from lms_module import create_app  # noqa: E402
from lms_module.db import db_session  # noqa: E402
from lms_module.learning.course_loader import load_course  # noqa: E402
from lms_module.migrate import upgrade_database  # noqa: E402
from lms_module.orgs.models import OrgKind, SchoolLevel  # noqa: E402
from lms_module.orgs.services import create_unit  # noqa: E402
from lms_module.people.models import Role  # noqa: E402
from lms_module.people.services import add_membership, create_user  # noqa: E402
from lms_module.xblock_runtime.ids import BlockKey  # noqa: E402

SLUG = "bench"
PASSWORD = "mat-khau-do-toc-do"  # a throwaway account in a temporary database
SCHOOL_YEAR = "2026-2027"
#: The unit both runtimes render; no attempt limit, so every submission is graded.
UNIT_XML = """
<vertical url_name="u1" display_name="Câu hỏi">
  <quiz url_name="q1" display_name="Em nhớ gì?" pass_mark="0.5">
    <question id="q1" kind="single"><prompt>Ai có thể giúp em?</prompt>
      <option id="a" correct="true"><text>Người lớn em tin cậy</text>
        <feedback>Đúng rồi!</feedback></option>
      <option id="b"><text>Người lạ</text><feedback>Chưa đúng.</feedback></option>
    </question>
    <question id="q2" kind="truefalse" answer="true"><prompt>Em có thể gọi 111.</prompt>
    </question>
  </quiz>
</vertical>
"""
COURSE_XML = f"""<course slug="{SLUG}" url_name="root" display_name="Đo tốc độ"
  audience="student" grade_min="1" grade_max="2" pass_mark="0.5">
  <chapter url_name="c1" display_name="Chương"><sequential url_name="s1" display_name="Phần">
  {UNIT_XML}
  </sequential></chapter></course>"""
ANSWERS = {"answers": {"q1": ["a"], "q2": ["true"]}}
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


#: A bench side: (render a unit, submit the quiz), each one request.
Side = tuple[Callable[[], None], Callable[[], None]]


def interleaved_round(runs: dict[str, Callable[[], None]], requests: int) -> dict[str, float]:
    """Return each side's requests per second over ``requests`` requests, the sides taking
    turns request by request (the first side of a pair alternates)."""
    spent = dict.fromkeys(runs, 0.0)
    labels = list(runs)
    for index in range(requests):
        for label in labels if index % 2 == 0 else labels[::-1]:
            start = time.perf_counter()
            runs[label]()
            spent[label] += time.perf_counter() - start
    return {label: requests / seconds for label, seconds in spent.items()}


def ours(folder: Path) -> tuple[Side, Callable[[], None]]:
    """Return our Flask app's side of the bench, and what closes it."""
    (folder / "course").mkdir()
    (folder / "course" / "course.xml").write_text(COURSE_XML, encoding="utf-8")
    url = os.environ.get("LMS_DATABASE_URL") or f"sqlite:///{folder / 'lms.sqlite3'}"
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key",
            "LMS_DATABASE_URL": url,
            "LMS_SECURE_COOKIES": False,
            "LMS_LOGIN_RATE_LIMIT": "1000 per minute",
            "LMS_SCHOOL_YEAR": SCHOOL_YEAR,
        }
    )
    upgrade_database(app.extensions["lms"].engine)
    with app.app_context():
        session = db_session()
        province = create_unit(session, kind=OrgKind.PROVINCE, code="BENCH-P", name="Tỉnh")
        commune = create_unit(
            session, kind=OrgKind.COMMUNE, code="BENCH-C", name="Xã", parent=province
        )
        school = create_unit(
            session, kind=OrgKind.SCHOOL, code="BENCH-S", name="Trường đo tốc độ",
            parent=commune, school_level=SchoolLevel.PRIMARY,
        )
        klass = create_unit(
            session, kind=OrgKind.CLASS, code="BENCH-2A", name="2A", parent=school, grade=2,
            school_year=SCHOOL_YEAR,
        )
        student = create_user(
            session, username="hs.do.toc.do", full_name="Lò Thị Mai", password=PASSWORD
        )
        add_membership(session, student, klass, Role.STUDENT, school_year=SCHOOL_YEAR)
        load_course(session, folder / "course")
        session.commit()

    client = app.test_client()
    login = CSRF_FIELD.search(client.get("/login").get_data(as_text=True))
    assert login is not None
    signed_in = client.post(
        "/login",
        data={"username": "hs.do.toc.do", "password": PASSWORD, "csrf_token": login.group(1)},
    )
    assert signed_in.status_code == 302, "could not sign the bench student in"
    unit_url = f"/courses/{SLUG}/units/{BlockKey(SLUG, 'vertical', 'u1').usage_id}"
    page = client.get(unit_url).get_data(as_text=True)
    token = CSRF_META.search(page)
    assert token is not None and "Ai có thể giúp em?" in page
    handler_url = f"/xblock/{BlockKey(SLUG, 'quiz', 'q1').usage_id}/handler/submit"
    headers = {"X-CSRFToken": token.group(1)}

    def render() -> None:
        response = client.get(unit_url)
        assert response.status_code == 200

    def submit() -> None:
        response = client.post(handler_url, json=ANSWERS, headers=headers)
        assert response.status_code == 200 and response.get_json()["score"] == 1.0

    return (render, submit), app.extensions["lms"].engine.dispose


def workbench(folder: Path) -> Side:
    """Return the xblock-sdk workbench's side of the bench."""
    configure_workbench(folder)
    from workbench import scenarios
    from workbench.runtime import WorkbenchRuntime

    # Our runtime has asides off; so must the workbench here, or acid-xblock's aside (a test
    # dependency) would run storage checks on every block it renders.
    WorkbenchRuntime.applicable_aside_types = lambda self, block: []
    # The workbench names blocks itself and warns about url_name attributes.
    scenarios.add_xml_scenario("bench.0", "bench", re.sub(r' url_name="[^"]*"', "", UNIT_XML))
    client: Any = workbench_client()
    page = client.get("/scenario/bench.0/", {"student": "bench"}).content.decode()
    usage = re.search(r"data-usage='([^']+)' data-block-type='quiz'", page)
    assert usage is not None and "Ai có thể giúp em?" in page
    handler_url = f"/handler/{usage.group(1)}/submit/?student=bench"
    body = json.dumps(ANSWERS)

    def render() -> None:
        response = client.get("/scenario/bench.0/", {"student": "bench"})
        assert response.status_code == 200

    def submit() -> None:
        response = client.post(handler_url, data=body, content_type="application/json")
        assert response.status_code == 200 and response.json()["score"] == 1.0

    return render, submit


def spread(values: list[float]) -> str:
    return f"{min(values):.2f}–{max(values):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="requests per round")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds per metric")
    args = parser.parse_args()
    # The workbench sets the deprecated Runtime.user_id; WebOb imports cgi: not ours to fix.
    warnings.filterwarnings("ignore", "Runtime.user_id is deprecated")
    warnings.filterwarnings("ignore", "'cgi' is deprecated", DeprecationWarning)
    metrics = ("render a unit", "submit the quiz")
    # rates[metric][side]: requests per second of each round.
    rates: dict[str, dict[str, list[float]]] = {m: {"ours": [], "wb": []} for m in metrics}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        our_side, close = ours(folder)
        sides = {"ours": our_side, "wb": workbench(folder)}
        try:
            for index, metric in enumerate(metrics):
                for side in sides.values():
                    side[index]()  # warm-up: templates compiled, classes loaded, caches filled
                for _ in range(args.rounds):
                    runs = {label: side[index] for label, side in sides.items()}
                    for label, value in interleaved_round(runs, args.requests).items():
                        rates[metric][label].append(value)
        finally:
            close()
    print(
        f"{args.rounds} rounds of {args.requests} requests each side, interleaved request by"
        " request (ours, workbench, workbench, ours…), same machine, one thread"
    )
    print(
        f"{'':18}{'ours (Flask)':>14}{'workbench':>12}{'ours / wb':>11}"
        f"{'  spread (min–max)':<20}{'rounds':>7}"
    )
    for metric in metrics:
        mine, theirs = rates[metric]["ours"], rates[metric]["wb"]
        ratios = [m / t for m, t in zip(mine, theirs, strict=True)]
        print(
            f"{metric:18}{statistics.median(mine):11.0f}/s {statistics.median(theirs):9.0f}/s"
            f"{statistics.median(ratios):11.2f}  {spread(ratios):<18}{len(ratios):>7}"
        )
    print("(requests/s: median of the rounds; ours / wb: median of the per-round ratios)")


if __name__ == "__main__":
    main()
