"""Signing in with a password, the rate limit and CSRF."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers import PASSWORD, csrf_token_from, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.people.models import Role


def test_student_signs_in_and_sees_hotline_and_quick_exit(client, make_user, tree):
    student = make_user(Role.STUDENT, tree["class"], username="hs.hoa")
    response = sign_in(client, "hs.hoa")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Xin chào, Nguyễn Thị Hoa" in page
    assert 'href="tel:111"' in page
    assert 'id="quick-exit"' in page
    assert student.password_hash is not None and student.password_hash.startswith("scrypt:")


def test_wrong_password_is_refused_and_recorded(client: FlaskClient, make_user, tree, db: Session):
    make_user(Role.TEACHER, tree["school"], username="gv.lan")
    response = sign_in(client, "gv.lan", "sai-mat-khau")
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    actions = db.scalars(select(AuditEvent.action)).all()
    assert "login_failed" in actions


def test_login_without_csrf_token_is_refused(client, make_user, tree):
    make_user(Role.TEACHER, tree["school"], username="gv.lan")
    response = client.post("/login", data={"username": "gv.lan", "password": PASSWORD})
    assert response.status_code == 400
    assert "Hãy tải lại trang và thử lại." in response.get_data(as_text=True)


def test_login_is_rate_limited_per_address(app: Flask, client, make_user, tree):
    make_user(Role.TEACHER, tree["school"], username="gv.lan")
    app.config["LMS_LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        token = csrf_token_from(client)
        statuses = [
            client.post(
                "/login",
                data={"username": "gv.lan", "password": "sai", "csrf_token": token},
                environ_base={"REMOTE_ADDR": "10.9.8.7"},
            ).status_code
            for _ in range(5)
        ]
        other_address = client.post(
            "/login",
            data={"username": "gv.lan", "password": PASSWORD, "csrf_token": token},
            environ_base={"REMOTE_ADDR": "10.9.8.8"},
        )
    finally:
        app.config["LMS_LOGIN_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [200, 200, 200, 429, 429]
    assert other_address.status_code == 302


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
