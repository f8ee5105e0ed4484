"""XBlocks published on PyPI by others run in our runtime: loaded from OLX, shown, handled.

* ``acid-xblock`` (Open edX's runtime conformance block): every storage scope it can use, its
  server-side ``handler_url`` with suffix and query, form-encoded handler posts, and inline
  javascript and css served under our CSP. What acid stores while the unit page shows it is
  kept as Open edX keeps it, but by the view's POST: the page is a GET and writes nothing, it
  carries a signed record of the render's writes, which the POST stores unless the field
  changed since.
* ``concept-xblock``: a JSON handler writing shared (``user_state_summary``) state that every
  learner of the block then sees.

Both are pure XBlock (no Django) and register themselves through their own ``xblock.v1``
entry points: nothing here registers them.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from helpers import sign_in
from lms_module.learning.course_loader import load_course
from lms_module.learning.player import learner_runtime
from lms_module.learning.services import get_course
from lms_module.learning.views import FlaskRuntimeUrls
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "khoi-cong-dong"
COURSE_XML = f"""<?xml version="1.0" encoding="utf-8"?>
<course slug="{SLUG}" url_name="root" display_name="Khối của cộng đồng"
        audience="student" grade_min="1" grade_max="2" pass_mark="0">
  <chapter url_name="c1" display_name="Chương">
    <sequential url_name="s1" display_name="Phần">
      <vertical url_name="u1" display_name="Bài">
        <acid url_name="acid1"/>
        <concept url_name="concept1" server=""/>
      </vertical>
    </sequential>
  </chapter>
</course>
"""
pytestmark = pytest.mark.filterwarnings(
    # concept-xblock still builds its fragment with the deprecated xblock.fragment class.
    "ignore:xblock.fragment is deprecated:DeprecationWarning"
)
UNIT = BlockKey(SLUG, "vertical", "u1").usage_id
LEARNER = "hs.cong.dong"
ACID = BlockKey(SLUG, "acid", "acid1").usage_id
CONCEPT = BlockKey(SLUG, "concept", "concept1").usage_id
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
STORAGE_TEST = re.compile(r'data-handler-url="([^"]+)"\s+data-scope="([^"]+)"\s+data-value="(\d+)"')
WRITE_STATEMENTS = {"INSERT", "UPDATE", "DELETE", "REPLACE"}
INLINE_URL = re.compile(r'(?:href|src)="(/xblock/[^"]+/inline/[0-9a-f]{64}\.(?:js|css))"')


@pytest.fixture
def course(db: Session, tmp_path: Path) -> Any:
    (tmp_path / "course.xml").write_text(COURSE_XML, encoding="utf-8")
    report = load_course(db, tmp_path)
    db.flush()
    assert report.unknown_types == {}
    return get_course(db, SLUG)


@pytest.fixture
def learner(
    make_user: Callable[..., User], tree: dict[str, OrgUnit], client: FlaskClient
) -> FlaskClient:
    student = make_user(Role.STUDENT, tree["class"], username=LEARNER)
    assert sign_in(client, student.username).status_code == 302
    return client


def unit_page(client: FlaskClient) -> str:
    response = client.get(f"/courses/{SLUG}/units/{UNIT}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def csrf(page: str) -> dict[str, str]:
    match = CSRF_META.search(page)
    assert match
    return {"X-CSRFToken": match.group(1)}


def test_both_blocks_load_from_olx_and_render_in_the_player(course, learner):
    page = unit_page(learner)
    assert f'data-usage-id="{ACID}" data-block-type="acid" data-init="AcidBlock"' in page
    assert "<h3>Acid XBlock</h3>" in page
    assert f'data-usage-id="{CONCEPT}" data-block-type="concept" data-init="ConceptXBlock"' in page
    assert "Learning objectives" in page


def test_a_unit_with_a_block_of_another_package_loads_our_jquery_first(course, learner):
    # (concept's own HTML keeps an old list of CDN scripts in a comment: that never loads.)
    page = re.sub(r"<!--.*?-->", "", unit_page(learner), flags=re.S)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    jquery = next(i for i, src in enumerate(scripts) if "/vendor/jquery-3.7.1.min" in src)
    runtime = next(i for i, src in enumerate(scripts) if "/xblock-runtime" in src)
    blocks = [i for i, src in enumerate(scripts) if src.startswith("/xblock/")]
    assert jquery < runtime < min(blocks)
    response = learner.get(scripts[jquery])
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith("/*! jQuery v3.7.1 | (c) OpenJS Foundation")


def test_the_block_element_carries_what_open_edx_blocks_read(course, learner):
    page = unit_page(learner)
    element = re.search(rf'<div class="([^"]+)" data-usage-id="{re.escape(ACID)}"([^>]*)>', page)
    assert element
    assert element.group(1) == "xblock xblock-student_view xblock-student_view-acid"
    attributes = dict(re.findall(r' (data-[a-z-]+)="([^"]*)"', element.group(2)))
    assert attributes["data-block-type"] == "acid"
    assert attributes["data-init"] == "AcidBlock"
    assert attributes["data-runtime-class"] == "LmsRuntime"
    assert attributes["data-runtime-version"] == "1"
    assert re.fullmatch(r"[0-9a-f]{32}", attributes["data-request-token"])
    # One token for the whole page's render, another for the next request.
    assert set(re.findall(r'data-request-token="([^"]+)"', page)) == {
        attributes["data-request-token"]
    }
    assert attributes["data-request-token"] not in unit_page(learner)


def test_inline_javascript_and_css_are_served_at_their_own_urls(course, learner):
    page = re.sub(r"<!--.*?-->", "", unit_page(learner), flags=re.S)
    # No inline script may run under our CSP: the page holds only data blocks and templates.
    for attributes in re.findall(r"<script([^>]*)>", page):
        assert "src=" in attributes or "type=" in attributes, attributes
    urls = INLINE_URL.findall(page)
    scripts = [u for u in urls if u.endswith(".js")]
    styles = [u for u in urls if u.endswith(".css")]
    assert scripts and styles
    assert all(f"/xblock/{ACID}/inline/" in u for u in scripts[:3])
    bodies = {}
    for url in urls:
        response = learner.get(url)
        assert response.status_code == 200
        assert response.mimetype == ("text/css" if url.endswith(".css") else "text/javascript")
        assert response.cache_control.immutable
        bodies[url] = response.get_data(as_text=True)
    assert any("function AcidBlock" in body for body in bodies.values())
    assert any(".acid-block" in body for body in bodies.values())


def test_off_site_urls_of_a_block_are_not_put_on_the_page(course, learner):
    # (concept's own HTML keeps an old list of CDN scripts in a comment: that never loads.)
    page = re.sub(r"<!--.*?-->", "", unit_page(learner), flags=re.S)
    loaded = re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', page)
    urls = [css or js for css, js in loaded]
    assert urls
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    # acid's font-awesome and concept's jQuery UI and handlebars come from CDNs.
    assert not any(host in page for host in ("bootstrapcdn", "handlebarsjs"))


def test_an_inline_resource_is_rendered_again_when_this_worker_forgot_it(course, learner):
    from lms_module.learning import views

    url = next(u for u in INLINE_URL.findall(unit_page(learner)) if u.endswith(".js"))
    views.INLINE_RESOURCES._items.clear()
    response = learner.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert learner.get(url[:-3] + ".css").status_code == 404
    assert learner.get(url.replace("/inline/", "/inline/0")).status_code == 404


def test_an_inline_resource_rendered_again_writes_nothing(course, learner, app, db):
    # acid's student_view stores a value in every scope: served by a GET, that render must
    # not reach the database (on SQLite two workers writing at once fail: "database is locked").
    from lms_module.learning import views

    url = next(u for u in INLINE_URL.findall(unit_page(learner)) if u.endswith(".js"))
    remembered = learner.get(url).get_data()
    views.INLINE_RESOURCES._items.clear()
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.extensions["lms"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = learner.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert response.get_data() == remembered
    assert statements, "the render read nothing: the listener is not on the request's engine"
    writes = [s for s in statements if s.split(None, 1)[0].upper() in WRITE_STATEMENTS]
    assert writes == []


def test_inline_resources_are_for_signed_in_learners_only(course, learner, app):
    url = INLINE_URL.findall(unit_page(learner))[0]
    response = app.test_client().get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_unit_page_keeps_nothing_a_block_stores_while_shown(course, learner, app):
    # acid's student_view stores a new value in every scope and puts it in the page for its
    # script to check. The page is a GET: it writes nothing, so that check finds no value.
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = app.extensions["lms"].engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = unit_page(learner)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements, "the page read nothing: the listener is not on the request's engine"
    assert [s for s in statements if s.split(None, 1)[0].upper() in WRITE_STATEMENTS] == []
    url, _scope, value = STORAGE_TEST.findall(page)[0]
    result = learner.post(html.unescape(url), data={"VALUE": value}, headers=csrf(page)).get_json()
    assert result == {
        "status": "error",
        "message": f"Stored value None doesn't match supplied QUERY {value}",
    }


RENDER_WRITES = re.compile(r'data-render-writes="([^"]+)"')


def view_post(client: FlaskClient, page: str, writes: str | None = None) -> Any:
    match = RENDER_WRITES.search(page)
    assert match, "the page carries no record of what acid stored"
    return client.post(
        f"/courses/{SLUG}/units/{UNIT}/viewed",
        data={"render_writes": writes if writes is not None else html.unescape(match.group(1))},
        headers=csrf(page),
    )


def page_storage_tests(page: str) -> list[tuple[str, str, str]]:
    return [(html.unescape(u), scope, v) for u, scope, v in STORAGE_TEST.findall(page)]


def test_the_view_post_keeps_what_acid_stored_while_the_page_rendered(course, learner):
    page = unit_page(learner)
    assert view_post(learner, page).status_code == 200
    tests = page_storage_tests(page)
    assert len(tests) == 4
    for url, scope, value in tests:
        result = learner.post(url, data={"VALUE": value}, headers=csrf(page)).get_json()
        assert result["status"] == "ok", (scope, result)


def test_a_render_record_brought_back_late_never_undoes_what_came_after(course, learner):
    page = unit_page(learner)
    assert view_post(learner, page).status_code == 200
    url, _scope, value = page_storage_tests(page)[0]
    # The check stores a new value and hands back the URL that checks it.
    moved_on = learner.post(url, data={"VALUE": value}, headers=csrf(page)).get_json()
    assert moved_on["status"] == "ok"
    assert view_post(learner, page).status_code == 200  # the same record, again
    again = learner.post(
        moved_on["handler_url"], data={"VALUE": str(moved_on["value"])}, headers=csrf(page)
    ).get_json()
    assert again["status"] == "ok", again


def test_a_forged_render_record_is_refused_and_keeps_nothing(course, learner, db):
    page = unit_page(learner)
    token = html.unescape(RENDER_WRITES.search(page).group(1))
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = view_post(learner, page, forged)
    assert response.status_code == 400
    assert response.get_json() == {"error": "Trang này không còn hợp lệ. Hãy tải lại trang."}
    url, _scope, value = page_storage_tests(page)[0]
    result = learner.post(url, data={"VALUE": value}, headers=csrf(page)).get_json()
    assert result["status"] == "error"


def test_another_learners_render_record_is_refused(
    course, learner, make_user, tree, app
):
    other = app.test_client()
    mate = make_user(Role.STUDENT, tree["class"], username="hs.ban.cung.lop")
    assert sign_in(other, mate.username).status_code == 302
    theirs = other.get(f"/courses/{SLUG}/units/{UNIT}").get_data(as_text=True)
    token = html.unescape(RENDER_WRITES.search(theirs).group(1))
    response = view_post(learner, unit_page(learner), token)
    assert response.status_code == 400


def acid_storage_tests(app: Flask, db: Session) -> list[tuple[str, str, str]]:
    """Render acid for the learner in a runtime that stores (as a handler's does) and return
    its storage tests: (handler URL, scope, value stored)."""
    student = db.scalars(select(User).where(User.username == LEARNER)).one()
    with app.test_request_context():
        runtime = learner_runtime(db, student, get_course(db, SLUG), FlaskRuntimeUrls(SLUG))
        fragment = runtime.render(runtime.get_block(ACID), "student_view", {})
    db.flush()
    return [
        (html.unescape(u), scope, v) for u, scope, v in STORAGE_TEST.findall(fragment.body_html())
    ]


def test_acid_checks_every_storage_scope_through_our_handler_url(course, learner, app, db):
    headers = csrf(unit_page(learner))
    tests = acid_storage_tests(app, db)
    assert {scope for _url, scope, _value in tests} == {
        "user_state",
        "user_state_summary",
        "preferences",
        "user_info",
    }
    for url, scope, value in tests:
        assert url.startswith(f"/xblock/{ACID}/handler/check_storage/SUFFIX{value}?")
        response = learner.post(url, data={"VALUE": value}, headers=headers)
        assert response.status_code == 200, scope
        result = response.get_json()
        assert result["status"] == "ok", (scope, result)
        # The handler stored a new value and handed back the next URL to check it with.
        assert result["handler_url"].startswith(f"/xblock/{ACID}/handler/check_storage/")
        again = learner.post(
            result["handler_url"], data={"VALUE": str(result["value"])}, headers=headers
        ).get_json()
        assert again["status"] == "ok", (scope, again)


def test_acid_state_is_kept_between_requests(course, learner, app, db):
    headers = csrf(unit_page(learner))
    url, _scope, value = acid_storage_tests(app, db)[0]
    wrong = str(int(value) + 1)
    result = learner.post(url, data={"VALUE": wrong}, headers=headers).get_json()
    assert result["status"] == "error"
    assert "doesn't match posted VALUE" in result["message"]


def test_concept_shares_its_map_with_every_learner_through_a_json_handler(
    course, learner, make_user, tree, app
):
    page = unit_page(learner)
    concept_map = {"required": ["an-toan"], "exercised": [], "taught": ["co-the-cua-em"]}
    response = learner.post(
        f"/xblock/{CONCEPT}/handler/update_concept_map",
        data=json.dumps(concept_map),
        headers={**csrf(page), "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    assert response.get_json() == {"success": True}

    classmate = make_user(Role.STUDENT, tree["class"], username="hs.ban.cung.lop")
    other = app.test_client()
    assert sign_in(other, classmate.username).status_code == 302
    assert "co-the-cua-em" in unit_page(other)
