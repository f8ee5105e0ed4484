"""A homeroom teacher signs in, opens their class from the home page and sees who has finished,
who is in progress and who has not started, with the class's coverage, on a 375 px phone and
on a desktop screen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import sign_in
from flask import Flask
from playwright.sync_api import Browser, expect
from teaching import build_school

from helpers import PASSWORD
from lms_module.db import db_session


@pytest.fixture(scope="module")
def school_people(app: Flask) -> Iterator[dict[str, str]]:
    """A school of its own (its own province and targets) in the browser tests' database."""
    with app.app_context():
        session = db_session()
        school = build_school(session, prefix="BR")
        session.commit()
        yield {key: user.username for key, user in school.people.items()}


@pytest.mark.parametrize("width", [375, 1280])
def test_homeroom_teacher_opens_their_class_and_sees_its_progress(
    browser: Browser, live_server: str, school_people: dict[str, str], width: int
) -> None:
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport={"width": width, "height": 800}
    )
    try:
        page = context.new_page()
        sign_in(page, school_people["hanh"], PASSWORD)
        expect(page.get_by_role("heading", name="Lớp của tôi")).to_be_visible()
        page.get_by_role("link", name="Lớp 2A").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Lớp 2A")
        for heading in ("Đã hoàn thành: 1", "Đang học: 2", "Chưa bắt đầu: 2"):
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        finished = page.locator("#requirement-1-finished + ul.name-list li")
        expect(finished).to_have_text(["Lò Văn An"])
        expect(page.locator("#requirement-1-not_started + ul.name-list li")).to_have_count(2)
        expect(page.locator(".coverage-figure")).to_contain_text(
            "Độ bao phủ của lớp: 1/5 (20,0%)"
        )
        expect(page.locator(".next-steps")).to_contain_text("2 học sinh lớp 2A chưa bắt đầu")
        if width == 375:
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= 375, f"the page is {scroll_width} px wide on a 375 px phone"
    finally:
        context.close()
