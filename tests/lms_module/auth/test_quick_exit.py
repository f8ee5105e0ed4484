"""Quick exit: leaving signs the visitor out on the server, and never fails to leave."""

from __future__ import annotations

from sqlalchemy import select

from helpers import csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.people.models import Role


def test_quick_exit_ends_the_session_and_goes_to_the_exit_page(app, client, login, make_user,
                                                                 tree, db):
    student = make_user(Role.STUDENT, tree["class"])
    login(student)
    copied = client.get_cookie("session").value
    response = client.post("/quick-exit", data={"csrf_token": csrf_token_from(client, "/")})
    assert response.status_code == 303
    assert response.headers["Location"] == app.config["LMS_QUICK_EXIT_URL"]
    assert client.get("/").status_code == 302  # this browser is signed out
    other_copy = app.test_client()
    other_copy.set_cookie("session", copied)
    assert other_copy.get("/").status_code == 302  # and the session itself is over
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).one()
    assert event.actor_id == student.id


def test_quick_exit_with_an_expired_form_still_leaves_and_signs_this_browser_out(
    app, client, login, make_user, tree
):
    login(make_user(Role.STUDENT, tree["class"]))
    response = client.post("/quick-exit", data={"csrf_token": "stale-token"})
    assert response.status_code == 303
    assert response.headers["Location"] == app.config["LMS_QUICK_EXIT_URL"]
    assert client.get("/").status_code == 302


def test_quick_exit_works_for_a_visitor_who_is_not_signed_in(app, client):
    response = client.post("/quick-exit", data={"csrf_token": csrf_token_from(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == app.config["LMS_QUICK_EXIT_URL"]


def test_other_forms_with_a_bad_token_are_still_refused(client, login, make_user, tree):
    login(make_user(Role.TEACHER, tree["school"]))
    response = client.post("/logout", data={"csrf_token": "stale-token"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_every_page_offers_the_quick_exit_as_a_form_that_works_without_script(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'class="quick-exit-form" method="post" action="/quick-exit"' in page
    assert "Thoát nhanh" in page
