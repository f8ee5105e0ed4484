"""Open edX's runtime conformance block (acid-xblock) passes every one of its checks in a real
browser: its script starts (constructor call, jQuery provided), its storage checks go through
server- and client-built handler URLs (suffix, query, CSRF), its local resource loads, and a
parent finds its children (``runtime.children``) and its named children (``childMap``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import sign_in
from flask import Flask
from playwright.sync_api import Page

from helpers import PASSWORD, SCHOOL_YEAR, make_test_app, reset_schema
from lms_module.db import db_session
from lms_module.learning.course_loader import load_course
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "acid"
LEARNER = "acid.hs"
COURSE_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<course slug="{SLUG}" url_name="root" display_name="Acid"
        audience="student" grade_min="2" grade_max="2" pass_mark="0">
  <chapter url_name="c1" display_name="Chương">
    <sequential url_name="s1" display_name="Phần">
      <vertical url_name="u1" display_name="Bài">
        <acid url_name="alone"/>
        <acid_parent url_name="parent">
          <acid url_name="left" name="left-child"/>
          <acid url_name="right" name="right-child"/>
          <acid url_name="unnamed"/>
        </acid_parent>
      </vertical>
    </sequential>
  </chapter>
</course>
"""
UNIT = BlockKey(SLUG, "vertical", "u1").usage_id
#: Marks of one acid block in student_view: its script ran, its local resource loaded, and
#: four checks for each of the four scopes student_view stores in (user_state,
#: user_state_summary, preferences, user_info).
ACID_MARKS = 2 + 4 * 4
#: Four acid blocks (one alone, three children) and the parent's own acid checks, plus the
#: parent's two: child counts and child values (through childMap by name).
EXPECTED_MARKS = 4 * ACID_MARKS + ACID_MARKS + 2
MARK_SELECTOR = ", ".join(
    f".xblock .{name}"
    for name in (
        "js-init-run",
        "local-resource-test",
        "server-storage-test-returned",
        "server-storage-test-succeeded",
        "client-storage-test-returned",
        "client-storage-test-succeeded",
        "child-counts-match",
        "child-values-match",
    )
)
#: Each mark's state: the class acid put on the mark's icon (pass, fail, error, unknown).
MARK_STATES = f"""() => [...document.querySelectorAll({MARK_SELECTOR!r})].map(mark => {{
    const icon = mark.querySelector("i");
    const state = ["pass", "fail", "error", "unknown"]
        .find(c => icon && icon.classList.contains(c));
    return [mark.className, state || "none", mark.textContent.trim()];
}})"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """This module's own app: a grade-2 learner and a course of acid blocks."""
    folder = tmp_path_factory.mktemp("acid")
    app = make_test_app(f"sqlite:///{folder / 'acid.sqlite3'}", TRUSTED_HOSTS=["127.0.0.1"])
    reset_schema(app)
    course = folder / "course"
    course.mkdir()
    (course / "course.xml").write_text(COURSE_XML, encoding="utf-8")
    with app.app_context():
        session = db_session()
        province = create_unit(session, kind=OrgKind.PROVINCE, code="AC-P", name="Sở Acid")
        school = create_unit(session, kind=OrgKind.SCHOOL, code="AC-TH", name="Trường Acid",
                             parent=province, school_level=SchoolLevel.PRIMARY)
        class_unit = create_unit(session, kind=OrgKind.CLASS, code="AC-2A", name="2A",
                                 parent=school, grade=2, school_year=SCHOOL_YEAR)
        learner = create_user(session, username=LEARNER, full_name="Lò Văn Acid",
                              password=PASSWORD, student_code="AC-1")
        add_membership(session, learner, class_unit, Role.STUDENT, school_year=SCHOOL_YEAR)
        report = load_course(session, Path(course))
        assert report.unknown_types == {}
        session.commit()
    yield app
    app.extensions["lms"].engine.dispose()


def test_every_acid_check_passes_in_the_browser(page: Page) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, LEARNER, PASSWORD)
    page.goto(f"/courses/{SLUG}/units/{UNIT}")
    # The storage checks run one after another (acid's own queue): wait until every mark is
    # set, or one failed (a failed server-side check leaves its client-side marks unknown).
    page.wait_for_function(
        f"() => {{ const s = ({MARK_STATES})(); return s.length === {EXPECTED_MARKS} && ("
        "s.every(([, state]) => state !== 'unknown') "
        "|| s.some(([, state]) => state === 'fail' || state === 'error')); }",
        timeout=8000,
    )
    states = page.evaluate(MARK_STATES)
    assert len(states) == EXPECTED_MARKS
    assert [s for s in states if s[1] != "pass"] == []
    assert errors == []
    # jQuery came from this package (its own static folder), before the blocks' scripts.
    scripts = page.evaluate("() => [...document.scripts].map(s => s.src).filter(Boolean)")
    origin = page.url.split("/courses/")[0]
    assert all(src.startswith(origin + "/") for src in scripts), scripts
    jquery = next(i for i, src in enumerate(scripts) if "/vendor/jquery-3.7.1.min" in src)
    runtime = next(i for i, src in enumerate(scripts) if "/xblock-runtime" in src)
    assert jquery < runtime < min(i for i, src in enumerate(scripts) if "/xblock/" in src)
