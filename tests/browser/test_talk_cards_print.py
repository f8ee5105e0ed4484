"""A parent opens their child's "Cùng con trò chuyện" cards on a 375 px phone, presses "In",
and the printed A4 sheets hold the cards only: no safety bar, menu or button, no card cut
across two pages (the PDF Chromium prints, read back)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from browser_support import sign_in
from flask import Flask
from playwright.sync_api import Browser, expect
from pypdf import PdfReader
from sqlalchemy import select

from helpers import PASSWORD, SCHOOL_YEAR
from lms_module.db import db_session
from lms_module.families.models import Kinship, LinkSource
from lms_module.families.services import link_adult
from lms_module.learning.models import Course, TalkCard
from lms_module.learning.talk_cards import version_talk_cards
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user

PARENT = "me.the.cards"
UNITS = [
    "Bài 1. Cơ thể của em",
    "Bài 2. Chạm an toàn, chạm không an toàn",
    "Bài 3. Bí mật và bất ngờ",
    "Bài 4. Người lớn em tin cậy và số 111",
]


@pytest.fixture(scope="module")
def family(app: Flask) -> Iterator[dict[str, object]]:
    """A grade 2 pupil of a school of its own (no demo figure moves) and her linked mother;
    the grades 1-2 course (loaded by the demo) and its cards."""
    with app.app_context():
        session = db_session()
        province = create_unit(session, kind=OrgKind.PROVINCE, code="TC-province",
                               name="Sở GD-ĐT Phong Thổ")
        school = create_unit(session, kind=OrgKind.SCHOOL, code="TC-school", parent=province,
                             name="Trường Tiểu học Mường So", school_level=SchoolLevel.PRIMARY)
        class_2a = create_unit(session, kind=OrgKind.CLASS, code="TC-2A", parent=school,
                               name="2A", grade=2, school_year=SCHOOL_YEAR)
        child = create_user(session, username="tc.mai", full_name="Lò Thị Mai", password=None)
        add_membership(session, child, class_2a, Role.STUDENT, school_year=SCHOOL_YEAR)
        parent = create_user(session, username=PARENT, full_name="Lò Thị Hoa", password=PASSWORD)
        session.flush()
        link_adult(session, parent, child, kinship=Kinship.MOTHER, source=LinkSource.LETTER)
        course = session.scalars(select(Course).where(Course.slug == "an-toan-cua-em")).one()
        assert course.current_version_id is not None
        cards: list[TalkCard] = version_talk_cards(session, course.current_version_id)
        session.commit()
        yield {"child_id": child.id, "questions": [c.questions_vi[1] for c in cards]}


def test_a_parent_prints_their_childs_cards_on_a4_from_a_phone(
    browser: Browser, live_server: str, family: dict[str, object]
) -> None:
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport={"width": 375, "height": 800}
    )
    try:
        page = context.new_page()
        # Record the print request instead of opening the system's print dialog.
        page.add_init_script("window.print = () => { window.__printed = true; };")
        sign_in(page, PARENT, PASSWORD)
        page.goto(f"/children/{family['child_id']}/talk-cards")
        expect(page.get_by_role("heading", level=1)).to_have_text("Cùng con trò chuyện")
        expect(page.locator(".talk-card h3")).to_have_text(UNITS)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 375, f"the page is {scroll_width} px wide on a 375 px phone"

        print_button = page.get_by_role("button", name="In", exact=True)
        expect(print_button).to_be_visible()  # the script shows it
        print_button.click()
        assert page.evaluate("window.__printed === true")

        page.emulate_media(media="print")
        for chrome in (".safety-bar", ".site-header", ".talk-actions", ".talk-nav"):
            expect(page.locator(chrome)).to_be_hidden()
        pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
        pages = [" ".join((p.extract_text() or "").split()) for p in pdf.pages]
        assert 1 <= len(pages) <= 2, f"{len(pages)} A4 pages for four cards"
        width, height = (float(v) for v in pdf.pages[0].mediabox.upper_right)
        # A4 is 595 x 842 points (Chromium rounds through CSS pixels: within a point or two).
        assert abs(width - 595) < 2 and abs(height - 842) < 2, (width, height)
        text = " ".join(pages)
        assert "Thoát nhanh" not in text and "Tùy chọn" not in text and "Trang chủ" not in text
        questions = family["questions"]
        assert isinstance(questions, list)
        for title, question in zip(UNITS, questions, strict=True):
            # A card's title and its last question are on the same sheet: no card is cut.
            assert any(title in sheet and question in sheet for sheet in pages), title
    finally:
        context.close()
