"""Keyboard and screen reader users land on what comes next: a quiz's result after submitting,
the next situation after a scenario choice (desktop and a 375 px phone)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import browser_support
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from helpers import SCHOOL_YEAR
from lms_module.db import db_session
from lms_module.demo.services import DEMO_PASSWORD
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "em-an-toan-lop-1-2"
SCENARIO_UNIT = BlockKey(SLUG, "vertical", "u2_bi_mat").usage_id
QUIZ_UNIT = BlockKey(SLUG, "vertical", "u3_cau_hoi").usage_id
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 667}}
_numbers = itertools.count(1)


@pytest.fixture
def new_student(app: Flask) -> str:
    """A grade-2 student with nothing done yet (the sample course is theirs), in a province of
    their own: the demo's classes, schools and counts stay as the other browser tests expect."""
    number = next(_numbers)
    username = f"hs.focus.{number}"
    with app.app_context():
        session = db_session()
        province = create_unit(
            session, kind=OrgKind.PROVINCE, code=f"FOCUS-{number}", name=f"Tỉnh thử {number}"
        )
        school = create_unit(
            session, kind=OrgKind.SCHOOL, code=f"FOCUS-{number}-TH", name="Trường Tiểu học Thử",
            parent=province, school_level=SchoolLevel.PRIMARY,
        )
        class_unit = create_unit(
            session, kind=OrgKind.CLASS, code=f"FOCUS-{number}-2A", name="2A", parent=school,
            grade=2, school_year=SCHOOL_YEAR,
        )
        student = create_user(
            session, username=username, full_name="Lò Thị Mai", password=DEMO_PASSWORD
        )
        add_membership(session, student, class_unit, Role.STUDENT, school_year=SCHOOL_YEAR)
        session.commit()
    return username


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def sized_page(
    request: pytest.FixtureRequest, browser: Browser, live_server: str
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport=VIEWPORTS[request.param]
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, username: str) -> None:
    browser_support.sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def press(page: Page, name: str) -> None:
    """Choose with the keyboard, as a keyboard or switch user does."""
    page.get_by_role("button", name=name).focus()
    page.keyboard.press("Enter")


def test_a_scenario_choice_moves_focus_to_the_next_situation(
    sized_page: Page, new_student: str
) -> None:
    page = sized_page
    sign_in(page, new_student)
    page.goto(f"/courses/{SLUG}/units/{SCENARIO_UNIT}")
    situation = page.locator(".cb-scenario .cb-situation")
    expect(situation).to_contain_text("Đây là bí mật của hai chú cháu")

    # A wrong choice: the same situation again, to try once more; focus goes back to it.
    press(page, "Giữ bí mật")
    expect(page.get_by_text("Chưa đúng. Bất ngờ vui")).to_be_visible()
    expect(situation).to_be_focused()

    # A good choice: the next situation is where the learner goes on reading.
    press(page, "Kể với mẹ")
    expect(situation).to_contain_text("Mẹ hỏi Lan")
    expect(situation).to_be_focused()
    expect(situation).to_be_in_viewport()
    # What the choice led to is right above it, and was announced.
    expect(page.locator(".cb-outcome")).to_contain_text("Mẹ ôm Lan và cảm ơn Lan đã kể.")

    # The ending has no next situation: focus lands on what the last choice led to.
    press(page, "Kể với cô giáo hoặc gọi 111")
    outcome = page.locator(".cb-outcome")
    expect(outcome).to_contain_text("Tuyệt vời! Em đã biết tìm người giúp.")
    expect(outcome).to_be_focused()
    expect(outcome).to_be_in_viewport()


def test_submitting_a_quiz_moves_focus_to_its_result(sized_page: Page, new_student: str) -> None:
    page = sized_page
    sign_in(page, new_student)
    page.goto(f"/courses/{SLUG}/units/{QUIZ_UNIT}")
    page.get_by_label("Nói “Không!” và chạy ra chỗ khác").check()
    for helper in ("Bố mẹ", "Cô giáo", "Tổng đài 111"):
        page.get_by_label(helper).check()
    page.get_by_label("Sai", exact=True).check()
    press(page, "Nộp bài")
    result = page.locator(".cb-quiz .cb-status")
    expect(result).to_contain_text("Điểm: 100% – Đạt")
    expect(result).to_be_focused()
    expect(result).to_be_in_viewport()
