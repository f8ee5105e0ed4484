"""QR login cards: printing, signing in with one, revoking them."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader
from sqlalchemy import select

from helpers import csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.auth.services import card_expiry, login_card_token
from lms_module.people.models import Role

SECRET = "test-secret-key"


def card_path(student, secret=SECRET, expires=None):
    expires = expires or card_expiry(dt.date.today())
    return f"/card/{login_card_token(student, secret, expires=expires)}"


def test_school_manager_prints_a_class_of_cards_as_pdf(client, login, make_user, tree, db):
    for name in ["Lò Thị Ưng", "Vàng A Sính", "Đặng Ngọc Ỹ"]:
        make_user(Role.STUDENT, tree["class"], full_name=name, password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    response = client.get(f"/units/{tree['class'].id}/login-cards.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for name in ["Lò Thị Ưng", "Vàng A Sính", "Đặng Ngọc Ỹ"]:
        assert name in text
    assert "Gọi 111" in text
    printed = db.scalars(select(AuditEvent).where(AuditEvent.action == "login_cards_printed"))
    assert printed.one().detail["count"] == 3


def test_card_link_greets_by_given_name_and_signs_in_after_a_tap(client, make_user, tree):
    student = make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Ưng", password=None)
    path = card_path(student)
    greeting = client.get(path).get_data(as_text=True)
    assert "Chào Ưng!" in greeting
    assert "Lò Thị Ưng" not in greeting  # the full name never shows on this public page
    assert client.get("/").status_code == 302  # looking at the card page does not sign in
    response = client.post(path, data={"csrf_token": csrf_token_from(client, path)})
    assert response.status_code == 302
    assert "Lớp 2A, Trường Tiểu học Tam Đường" in client.get("/").get_data(as_text=True)


def test_revoked_card_no_longer_signs_in(client, login, make_user, tree, db):
    student = make_user(Role.STUDENT, tree["class"], password=None)
    old_path = card_path(student)
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"])
    login(manager)
    class_page = f"/classes/{tree['class'].id}"
    token = csrf_token_from(client, class_page)
    revoke = client.post(
        f"/units/{tree['class'].id}/students/{student.id}/revoke-cards", data={"csrf_token": token}
    )
    assert revoke.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(client, class_page)})
    response = client.get(old_path)
    assert response.status_code == 404
    assert "Thẻ này không dùng được nữa" in response.get_data(as_text=True)
    db.refresh(student)
    new_path = card_path(student)
    assert client.get(new_path).status_code == 200


def test_forged_card_token_is_refused(client, make_user, tree):
    student = make_user(Role.STUDENT, tree["class"], password=None)
    assert client.get(card_path(student, "another-secret")).status_code == 404
    assert client.get("/card/not-a-token").status_code == 404


def test_cards_fill_pages_of_ten(client, login, make_user, tree):
    for number in range(11):
        make_user(Role.STUDENT, tree["class"], full_name=f"Học Sinh Số {number}", password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    pdf = client.get(f"/units/{tree['class'].id}/login-cards.pdf").data
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    assert reader.pages[1].extract_text().count("Gọi 111") == 1


def test_card_pdf_is_the_same_bytes_for_the_same_cards(app):
    from lms_module.auth.cards import LoginCard, render_login_cards

    card = LoginCard("Lò Thị Ưng", "2A", "Trường Tiểu học Tam Đường", "https://lms.example.vn/card/x")
    with app.test_request_context("/"):
        pdf = render_login_cards([card], title="Thẻ")
        assert pdf.startswith(b"%PDF")
        assert render_login_cards([card], title="Thẻ") == pdf  # same cards, same bytes
