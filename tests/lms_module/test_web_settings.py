"""Settings that take effect: cookies as sent, body limits, trusted hosts, headers, error pages."""

from __future__ import annotations

import datetime as dt
import json
from email.utils import parsedate_to_datetime

import pytest
from flask import Flask

from helpers import PASSWORD, csrf_token_from, sign_in
from lms_module.people.models import Role

HTTPS = "https://localhost"


def set_cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def sign_in_over_https(client, username: str):
    token = csrf_token_from_https(client)
    return client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        base_url=HTTPS,
    )


def csrf_token_from_https(client) -> str:
    page = client.get("/login", base_url=HTTPS).get_data(as_text=True)
    return page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_production_defaults_send_a_secure_samesite_session_cookie(make_app, make_user, tree):
    production = make_app(LMS_SECURE_COOKIES=True)
    make_user(Role.TEACHER, tree["school"], username="gv.secure")
    client = production.test_client()
    response = sign_in_over_https(client, "gv.secure")
    assert response.status_code == 302
    [cookie] = [c for c in set_cookie_headers(response) if c.startswith("session=")]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "path", "expires"} <= attributes
    assert "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    lifetime = expires - dt.datetime.now(dt.UTC)
    assert dt.timedelta(hours=11) < lifetime <= dt.timedelta(hours=12)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_effective_configuration_follows_the_lms_settings(make_app):
    production = make_app(LMS_SECURE_COOKIES=True, LMS_SESSION_MAX_HOURS=8)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production.permanent_session_lifetime == dt.timedelta(hours=8)
    assert production.config["TRUSTED_HOSTS"] == ["localhost"]
    assert production.config["MAX_CONTENT_LENGTH"] >= production.config["LMS_MAX_UPLOAD_BYTES"]


def test_a_host_apps_explicit_choice_is_kept(make_app):
    host = make_app(SESSION_COOKIE_SAMESITE="Strict", TRUSTED_HOSTS=["hoc.example.vn"])
    assert host.config["SESSION_COOKIE_SAMESITE"] == "Strict"
    assert host.config["TRUSTED_HOSTS"] == ["hoc.example.vn"]


def test_plain_http_demo_sends_no_hsts(client):
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers


def test_a_huge_anonymous_post_to_login_is_refused_unread(client):
    response = client.post(
        "/login", data=b"x" * (30 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.get_data(as_text=True)


def test_a_huge_json_body_to_a_block_handler_is_refused(client, login, make_user, tree):
    login(make_user(Role.STUDENT, tree["class"]))
    token = csrf_token_from(client, "/courses")
    body = json.dumps({"answer": "x" * (40 * 1024 * 1024)})
    response = client.post(
        "/xblock/any-block/handler/submit",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413
    assert response.is_json
    assert "quá lớn" in response.get_json()["error"]


def test_a_request_for_another_host_is_refused(client):
    response = client.get("/login", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_login_cards_need_the_public_address(make_app, make_user, tree):
    unconfigured = make_app(LMS_PUBLIC_BASE_URL=None)
    make_user(Role.STUDENT, tree["class"], password=None)
    make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.cards")
    client = unconfigured.test_client()
    assert sign_in(client, "ql.cards").status_code == 302
    # Cards are bearer credentials: without the configured address, the request's Host
    # (which anyone can set) is never printed into them.
    response = client.get(f"/units/{tree['class'].id}/login-cards.pdf")
    assert response.status_code == 503
    assert "LMS_PUBLIC_BASE_URL" in response.get_data(as_text=True)


def test_unmatched_urls_get_the_vietnamese_page_and_the_security_headers(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang này" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_with_names_are_never_stored_but_assets_are_cached(client, login, make_user, tree):
    make_user(Role.STUDENT, tree["class"], full_name="Giàng Thị Mỷ", password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    class_page = client.get(f"/classes/{tree['class'].id}")
    assert "Giàng Thị Mỷ" in class_page.get_data(as_text=True)
    assert class_page.headers["Cache-Control"] == "no-store"
    with client.get("/assets/css/lms.css") as stylesheet:
        assert stylesheet.status_code == 200
        assert "no-store" not in stylesheet.headers.get("Cache-Control", "")


# ------------------------------------------------------------------- the database away


@pytest.fixture
def unreachable(make_app) -> Flask:
    """An app whose database cannot be reached (no server listens on that socket)."""
    return make_app(
        own_database=True,
        LMS_DATABASE_URL="postgresql+psycopg://lms@/lms?host=/nonexistent-socket-dir&port=1"
    )


def test_while_the_database_is_away_sign_in_says_try_again_in_vietnamese(unreachable):
    client = unreachable.test_client()
    token = csrf_token_from(client)
    response = client.post(
        "/login", data={"username": "gv.lan", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 503
    # At least our 5 seconds (the sign-in limiter may ask for its window's end instead).
    assert int(response.headers["Retry-After"]) >= 5
    page = response.get_data(as_text=True)
    assert "Hãy thử lại sau ít giây" in page
    assert 'href="tel:111"' in page
    assert 'id="quick-exit"' in page


def signed_in_cookie(client, login, make_user, tree) -> str:
    """Sign a student in on the working app; return the session cookie's value."""
    login(make_user(Role.STUDENT, tree["class"]))
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_while_the_database_is_away_a_signed_in_page_still_renders_its_error(
    unreachable, client, login, make_user, tree
):
    away = unreachable.test_client()
    away.set_cookie("session", signed_in_cookie(client, login, make_user, tree))
    response = away.get("/courses")
    assert response.status_code == 503
    assert "Hãy thử lại sau ít giây" in response.get_data(as_text=True)


def test_while_the_database_is_away_a_handler_call_gets_json(
    unreachable, client, login, make_user, tree
):
    login(make_user(Role.STUDENT, tree["class"]))
    token = csrf_token_from(client, "/courses")  # after this the cookie holds the token
    away = unreachable.test_client()
    away.set_cookie("session", client.get_cookie("session").value)
    response = away.post(
        "/xblock/any-block/handler/submit",
        json={"answer": 1},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "thử lại" in response.get_json()["error"]
