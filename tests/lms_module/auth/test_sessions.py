"""Sessions end: on sign-out, card revocation, new password, deactivation, idleness and age."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import select

from helpers import PASSWORD, csrf_token_from, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.auth import sessions
from lms_module.auth.services import card_expiry, login_card_token
from lms_module.people.models import Role
from lms_module.people.services import set_password

SECRET = "test-secret-key"


def signed_in_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


@pytest.fixture
def clock(monkeypatch):
    """Move the clock the session rules read forward."""
    now = [time.time()]
    monkeypatch.setattr(sessions, "_now", lambda: int(now[0]))

    def advance(**delta: float) -> None:
        now[0] += dt.timedelta(**delta).total_seconds()

    return advance


def test_a_cookie_copied_before_sign_out_is_dead_after_it(app, client, make_user, tree, db):
    teacher = make_user(Role.TEACHER, tree["school"], username="gv.copy")
    assert sign_in(client, "gv.copy").status_code == 302
    copied = signed_in_cookie(client)
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 302  # back to sign-in
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).one()
    assert event.actor_id == teacher.id
    assert event.ip == "127.0.0.1"


def test_revoking_cards_ends_the_session_a_card_opened(app, client, login, make_user, tree, db):
    student = make_user(Role.STUDENT, tree["class"], password=None)
    path = f"/card/{login_card_token(student, SECRET, expires=card_expiry(dt.date.today()))}"
    child = app.test_client()
    child.post(path, data={"csrf_token": csrf_token_from(child, path)})
    assert is_signed_in(child)
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"])
    login(manager)
    class_page = f"/classes/{tree['class'].id}"
    client.post(
        f"/units/{tree['class'].id}/students/{student.id}/revoke-cards",
        data={"csrf_token": csrf_token_from(client, class_page), "confirmed": "yes"},
    )
    assert not is_signed_in(child)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_cards_revoked")).one()
    assert (event.actor_id, event.subject_user_id) == (manager.id, student.id)
    assert event.org_unit_id == tree["class"].id
    assert event.ip == "127.0.0.1"


def test_a_new_password_ends_the_sessions_opened_with_the_old(client, make_user, tree, db):
    teacher = make_user(Role.TEACHER, tree["school"], username="gv.pw")
    sign_in(client, "gv.pw")
    set_password(teacher, "mot-mat-khau-moi")
    db.flush()
    assert not is_signed_in(client)
    assert sign_in(client, "gv.pw", "mot-mat-khau-moi").status_code == 302


def test_deactivation_ends_sessions_and_reactivation_does_not_revive_them(
    client, make_user, tree, db
):
    teacher = make_user(Role.TEACHER, tree["school"], username="gv.off")
    sign_in(client, "gv.off")
    teacher.active = False
    db.flush()
    assert not is_signed_in(client)
    teacher.active = True
    db.flush()
    assert not is_signed_in(client)


def test_the_csrf_token_seen_before_sign_in_is_worthless_after_it(client, make_user, tree):
    make_user(Role.TEACHER, tree["school"], username="gv.csrf")
    before = csrf_token_from(client)
    response = client.post(
        "/login", data={"username": "gv.csrf", "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302
    refused = client.post("/logout", data={"csrf_token": before})
    assert refused.status_code == 400
    assert is_signed_in(client)


def test_a_student_on_a_shared_device_is_signed_out_after_15_idle_minutes(
    client, make_user, tree, clock
):
    make_user(Role.STUDENT, tree["class"], username="hs.idle")
    sign_in(client, "hs.idle")
    clock(minutes=14)
    assert is_signed_in(client)  # activity restarts the idle clock
    clock(minutes=14)
    assert is_signed_in(client)
    clock(minutes=16)
    assert not is_signed_in(client)


def test_an_adult_gets_30_idle_minutes(client, make_user, tree, clock):
    make_user(Role.TEACHER, tree["school"], username="gv.idle")
    sign_in(client, "gv.idle")
    clock(minutes=25)
    assert is_signed_in(client)
    clock(minutes=31)
    assert not is_signed_in(client)


def test_a_session_ends_12_hours_after_sign_in_however_active(client, make_user, tree, clock):
    make_user(Role.TEACHER, tree["school"], username="gv.long")
    sign_in(client, "gv.long")
    for _ in range(11 * 60 // 20):
        clock(minutes=20)
        assert is_signed_in(client)
    clock(minutes=61)
    assert not is_signed_in(client)


def test_an_expired_card_no_longer_signs_in(client, make_user, tree):
    student = make_user(Role.STUDENT, tree["class"], password=None)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    expired = login_card_token(student, SECRET, expires=yesterday)
    assert client.get(f"/card/{expired}").status_code == 404


def test_cards_printed_before_cards_expired_are_refused(client, make_user, tree):
    from itsdangerous import URLSafeSerializer

    from lms_module.auth.services import CARD_SALT

    student = make_user(Role.STUDENT, tree["class"], password=None)
    legacy = URLSafeSerializer(SECRET, salt=CARD_SALT).dumps([student.id, 1])
    assert client.get(f"/card/{legacy}").status_code == 404


def test_cards_expire_with_the_school_year():
    assert card_expiry(dt.date(2026, 9, 5)) == dt.date(2027, 7, 31)
    assert card_expiry(dt.date(2027, 7, 31)) == dt.date(2027, 7, 31)
    assert card_expiry(dt.date(2027, 8, 1)) == dt.date(2028, 7, 31)
