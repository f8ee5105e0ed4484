"""A homeroom teacher records a parents' meeting on a 375 px phone: from the class page to the
family list, ticks the parent of a child no adult is linked to, and reads who attended."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from browser_support import sign_in
from flask import Flask
from playwright.sync_api import Browser, expect
from teaching import TODAY, build_school

from helpers import PASSWORD, make_course
from lms_module.db import db_session
from lms_module.learning.models import Audience


@pytest.fixture(scope="module")
def meeting_school(app: Flask) -> Iterator[dict[str, str]]:
    """A school of its own with a parents' course, in the browser tests' database."""
    with app.app_context():
        session = db_session()
        school = build_school(session, prefix="IB")
        course = make_course(session, "ib-cung-con", Audience.PARENT)
        course.title_vi = "Cùng con an toàn (buổi họp)"
        session.commit()
        yield {"hanh": school.people["hanh"].username, "course": str(course.id)}


def test_homeroom_teacher_records_a_parents_meeting_on_a_phone(
    browser: Browser, live_server: str, meeting_school: dict[str, str]
) -> None:
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport={"width": 375, "height": 800}
    )
    try:
        page = context.new_page()
        sign_in(page, meeting_school["hanh"], PASSWORD)
        page.get_by_role("link", name="Lớp 2A").click()
        page.get_by_role("link", name="Họp phụ huynh, buổi học trực tiếp của lớp").click()
        page.get_by_role("link", name="Ghi buổi học mới").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Ghi buổi học trực tiếp")
        page.get_by_label("Buổi học thay cho khóa học").select_option(meeting_school["course"])
        held_on = TODAY - dt.timedelta(days=1)
        page.get_by_label("Ngày diễn ra (ngày/tháng/năm)").fill(held_on.isoformat())
        page.get_by_label("Địa điểm").fill("Phòng học lớp 2A")
        page.get_by_label("Người hướng dẫn").fill("Nguyễn Thị Hạnh")
        page.get_by_label("Cha/mẹ/người chăm sóc của em Vàng A Dũng có mặt").check()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the form is {width} px wide on a 375 px phone"
        page.get_by_role("button", name="Ghi buổi học").click()

        expect(page.locator(".flash-success")).to_contain_text(
            f"Đã ghi buổi học ngày {held_on:%d/%m/%Y}: 1 người có mặt."
        )
        expect(page.get_by_role("heading", level=2)).to_have_text("Người có mặt: 1")
        expect(page.locator("table")).to_contain_text("Phụ huynh của em Vàng A Dũng")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the session page is {width} px wide on a 375 px phone"
    finally:
        context.close()
