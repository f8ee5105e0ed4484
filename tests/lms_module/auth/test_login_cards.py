"""QR login cards: printing, signing in with one, revoking them."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from sqlalchemy import select

from certificates.fonts import BOLD, REGULAR, register_fonts
from helpers import csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.auth.cards import classmate_names
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
        f"/units/{tree['class'].id}/students/{student.id}/revoke-cards",
        data={"csrf_token": token, "confirmed": "yes"},
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


# ------------------------------------------------------------- names and the cut lines

LONG_SCHOOL = "Trường Phổ thông Dân tộc Bán trú Tiểu học và Trung học cơ sở Sìn Hồ"
#: At least this much space between any letter and a cut line.
CUT_MARGIN = 2 * mm


def text_boxes(page):
    """Return (text, left, bottom, right, top) of every piece of text on a PDF page, measured
    with the metrics of the font the PDF names."""
    register_fonts()
    boxes = []

    def visit(text, cm, tm, font, size):
        text = text.strip()
        if not text or font is None:
            return
        base = str(font["/BaseFont"]).split("+")[-1]
        name = BOLD if base.endswith("-Bold") else REGULAR
        x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
        boxes.append((text, x, y - 0.25 * size, x + stringWidth(text, name, size), y + size))

    page.extract_text(visitor_text=visit)
    return boxes


def cut_rectangles(page):
    """Return the cards' dashed cut rectangles (left, bottom, right, top) drawn on a page."""
    rectangles = []
    for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
        if operator == b"re" and float(operands[2]) > 50 * mm:  # not the QR code's modules
            x, y, w, h = (float(value) for value in operands)
            rectangles.append((x, y, x + w, y + h))
    return rectangles


def test_no_text_on_a_card_crosses_its_cut_lines(client, login, make_user, tree):
    tree["school"].name = LONG_SCHOOL
    names = [
        "Nguyễn Thị Phương Thảo Nguyễn Ngọc Khánh Quỳnh",
        "Hoàng Nguyễn Khánh Ngọc Bảo Quỳnh Anh Thư",
        "Lò Văn Sính",
        *(f"Vàng Seo Chứ Số {number}" for number in range(9)),
    ]
    for name in names:
        make_user(Role.STUDENT, tree["class"], full_name=name, password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    reader = PdfReader(io.BytesIO(client.get(f"/units/{tree['class'].id}/login-cards.pdf").data))
    assert len(reader.pages) == 2
    checked = 0
    for page in reader.pages:
        cards = cut_rectangles(page)
        for text, left, bottom, right, top in text_boxes(page):
            inside = [
                card for card in cards
                if card[0] + CUT_MARGIN <= left and right <= card[2] - CUT_MARGIN
                and card[1] + CUT_MARGIN <= bottom and top <= card[3] - CUT_MARGIN
            ]
            assert inside, f"{text!r} crosses a cut line"
            checked += 1
    assert checked >= 12 * 6  # every card's lines were measured


def test_cards_and_card_pages_tell_classmates_with_the_same_given_name_apart(
    client, login, make_user, tree
):
    an_v = make_user(Role.STUDENT, tree["class"], full_name="Nguyễn Văn An", password=None)
    make_user(Role.STUDENT, tree["class"], full_name="Trần Thị An", password=None)
    make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Ưng", password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    text = PdfReader(
        io.BytesIO(client.get(f"/units/{tree['class'].id}/login-cards.pdf").data)
    ).pages[0].extract_text()
    lines = text.splitlines()
    assert "An (V.)" in lines and "An (T.)" in lines and "Ưng" in lines
    assert "Nguyễn Văn An" in lines  # the teacher handing the cards out reads the full name
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    greeting = client.get(card_path(an_v)).get_data(as_text=True)
    assert "Chào An (V.)!" in greeting
    assert "Nguyễn Văn An" not in greeting  # the card page is public


def test_classmate_names_use_initials_then_the_number_in_the_list(app):
    with app.test_request_context("/"):
        names = classmate_names([
            "Nguyễn Văn An", "Trần Văn An", "Lò Thị Ưng", "Lê Văn Bình", "Lê Văn Bình", "Mai",
        ])
    assert names == ["An (N. V.)", "An (T. V.)", "Ưng", "Bình (số 4)", "Bình (số 5)", "Mai"]


def test_revoking_a_card_without_a_script_asks_first_stating_the_consequence(
    client, login, make_user, tree
):
    student = make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Ưng", password=None)
    path = card_path(student)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    revoke = f"/units/{tree['class'].id}/students/{student.id}/revoke-cards"
    class_page = f"/classes/{tree['class'].id}"
    asked = client.post(revoke, data={"csrf_token": csrf_token_from(client, class_page)})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert ("Thu hồi thẻ: thẻ đã in của em Lò Thị Ưng sẽ không đăng nhập được nữa và em bị "
            "đăng xuất khỏi mọi máy. Em cần thẻ mới.") in page
    assert 'name="confirmed" value="yes"' in page
    assert f'href="{class_page}"' in page  # the way back, revoking nothing
    assert client.get(path).status_code == 200  # asking revoked nothing
    token = csrf_token_from(client, class_page)
    client.post(revoke, data={"csrf_token": token, "confirmed": "yes"})
    assert client.get(path).status_code == 404


def test_the_printed_card_s_qr_code_scans_at_100_dpi_to_the_student_s_card_link(
    client, login, make_user, tree, tmp_path
):
    if shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None:
        pytest.fail("zbarimg or pdftoppm not found: install the Debian packages `zbar-tools` "
                    "and `poppler-utils`", pytrace=False)
    make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Ưng", password=None)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"]))
    pdf = tmp_path / "the.pdf"
    pdf.write_bytes(client.get(f"/units/{tree['class'].id}/login-cards.pdf").data)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")],
                             check=True, capture_output=True, text=True).stdout.split()
    assert len(scanned) == 1
    phone = client.application.test_client()  # the student's phone, signed in as nobody
    path = "/card/" + scanned[0].split("/card/", 1)[1]
    assert "Chào Ưng!" in phone.get(path).get_data(as_text=True)
    response = phone.post(path, data={"csrf_token": csrf_token_from(phone, path)})
    assert response.status_code == 302
    assert "Lớp 2A, Trường Tiểu học Tam Đường" in phone.get("/").get_data(as_text=True)
