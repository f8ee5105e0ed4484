"""Sign-in as an attacker tries it: redirects, timing, guessing one account, a class behind NAT."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from flask import Flask
from sqlalchemy import select

from helpers import CSRF_PATTERN, PASSWORD, csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.auth.services import card_expiry, login_card_token
from lms_module.config import DEFAULTS
from lms_module.people.models import Role

SECRET = "test-secret-key"


def post_login(client, username: str, password: str, *, next_: str | None = None, ip=None):
    token = csrf_token_from(client)
    return client.post(
        "/login" if next_ is None else f"/login?next={next_}",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip} if ip else {},
    )


@pytest.mark.parametrize(
    "next_",
    [
        "%2F%09%2Fevil.example",  # "/\t/evil.example": browsers drop the tab
        "/%0A/x",  # a newline would split the Location header
        "//evil.example",
        "https://evil.example/",
        "/%5Cevil.example",  # "/\\evil.example"
        "javascript:alert(1)",
    ],
)
def test_sign_in_never_redirects_off_site(client, make_user, tree, next_):
    make_user(Role.TEACHER, tree["school"], username="gv.next")
    response = post_login(client, "gv.next", PASSWORD, next_=next_)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_follows_a_local_next(client, make_user, tree):
    make_user(Role.TEACHER, tree["school"], username="gv.next")
    response = post_login(client, "gv.next", PASSWORD, next_="/courses%3Fx%3D1")
    assert response.headers["Location"] == "/courses?x=1"


def test_an_unknown_username_costs_the_same_hashing_as_a_wrong_password(
    client, make_user, tree, monkeypatch
):
    """Timing cannot tell which usernames exist: both paths run one scrypt of the password."""
    make_user(Role.TEACHER, tree["school"], username="gv.that")
    runs: list[bytes] = []
    real_scrypt = hashlib.scrypt

    def counting_scrypt(password: bytes, **kwargs):
        runs.append(password)
        return real_scrypt(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counting_scrypt)
    post_login(client, "gv.that", "sai-mat-khau")
    known = list(runs)
    runs.clear()
    post_login(client, "khong.ai.co.ten.nay", "sai-mat-khau")
    assert known == runs == [b"sai-mat-khau"]


def test_guessing_one_accounts_password_is_stopped_from_any_address(
    app: Flask, client, make_user, tree, db
):
    make_user(Role.TEACHER, tree["school"], username="gv.target")
    make_user(Role.TEACHER, tree["school"], username="gv.other")
    app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"] = DEFAULTS["LMS_LOGIN_ACCOUNT_RATE_LIMIT"]
    try:
        statuses = [
            post_login(client, "gv.target", f"doan-{n}", ip=f"10.0.0.{n}").status_code
            for n in range(7)
        ]
        right_password = post_login(client, "GV.Target", PASSWORD, ip="10.0.1.1")
        other_account = post_login(client, "gv.other", PASSWORD, ip="10.0.0.1")
    finally:
        app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [200] * 5 + [429] * 2
    assert right_password.status_code == 429  # the account waits, whoever asks
    assert other_account.status_code == 302
    refused = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "login_rate_limited")
    ).all()
    assert len(refused) == 3
    assert {e.detail["username"] for e in refused} == {"gv.target", "GV.Target"}
    assert refused[0].ip == "10.0.0.5"


def test_successful_sign_ins_do_not_use_up_an_accounts_allowance(app: Flask, make_user, tree):
    make_user(Role.TEACHER, tree["school"], username="gv.often")
    app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"] = DEFAULTS["LMS_LOGIN_ACCOUNT_RATE_LIMIT"]
    try:
        statuses = [post_login(app.test_client(), "gv.often", PASSWORD).status_code
                    for _ in range(8)]
    finally:
        app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [302] * 8


def test_a_class_of_40_behind_one_address_signs_in_with_cards_in_a_minute(
    app: Flask, make_user, tree
):
    """The default limits, one NAT address, 40 children scanning their cards at once."""
    expires = card_expiry(dt.date.today())
    students = [
        make_user(Role.STUDENT, tree["class"], full_name=f"Học Sinh {n}", password=None)
        for n in range(40)
    ]
    app.config["LMS_LOGIN_RATE_LIMIT"] = DEFAULTS["LMS_LOGIN_RATE_LIMIT"]
    app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"] = DEFAULTS["LMS_LOGIN_ACCOUNT_RATE_LIMIT"]
    nat = {"REMOTE_ADDR": "203.0.113.7"}
    try:
        statuses = []
        for student in students:
            phone = app.test_client()
            path = f"/card/{login_card_token(student, SECRET, expires=expires)}"
            page = phone.get(path, environ_base=nat)
            token = CSRF_PATTERN.search(page.get_data(as_text=True)).group(1)
            entered = phone.post(path, data={"csrf_token": token}, environ_base=nat)
            statuses.append((page.status_code, entered.status_code))
    finally:
        app.config["LMS_LOGIN_RATE_LIMIT"] = "1000 per minute"
        app.config["LMS_LOGIN_ACCOUNT_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [(200, 302)] * 40


@pytest.mark.parametrize("next_", ["/\t/evil.example", "//evil.example", "/\n/x", "http://x.y/"])
def test_choosing_a_language_never_redirects_off_site(client, next_):
    token = csrf_token_from(client)
    response = client.post(
        "/language", data={"language": "en", "next": next_, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
