"""A school manager records a staff training on a 375 px phone: the teachers' roster, a search
that narrows it (no JavaScript needed), the periods and the certificate choice, then prints
the attendance sheet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from browser_support import sign_in
from flask import Flask
from playwright.sync_api import Browser, expect
from teaching import TODAY, build_school

from helpers import PASSWORD
from lms_module.db import db_session


@pytest.fixture(scope="module")
def training_school(app: Flask) -> Iterator[dict[str, str]]:
    """A school of its own, in the browser tests' database."""
    with app.app_context():
        session = db_session()
        school = build_school(session, prefix="IT")
        school.courses["adults"].title_vi = "An toàn trường học (tập huấn)"
        session.commit()
        yield {"mo": school.people["mo"].username, "school": str(school.units["school"].id),
               "course": str(school.courses["adults"].id)}


def test_a_manager_records_a_staff_training_and_prints_its_sheet_on_a_phone(
    browser: Browser, live_server: str, training_school: dict[str, str]
) -> None:
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport={"width": 375, "height": 800},
        accept_downloads=True,
    )
    try:
        page = context.new_page()
        sign_in(page, training_school["mo"], PASSWORD)
        page.goto(f"/units/{training_school['school']}/in-person/new?audience=teacher")
        page.get_by_label("Tìm trong danh sách").fill("lam")
        page.get_by_role("button", name="Hiện danh sách").click()
        expect(page.get_by_label("Phạm Văn Lâm")).to_be_visible()
        expect(page.get_by_label("Lê Văn Khải")).to_have_count(0)

        page.get_by_label("Buổi học thay cho khóa học").select_option(training_school["course"])
        held_on = TODAY - dt.timedelta(days=1)
        page.get_by_label("Ngày diễn ra (ngày/tháng/năm)").first.fill(held_on.isoformat())
        page.locator("#place").fill("Hội trường")
        page.locator("#facilitator").fill("Trần Văn Quang")
        page.get_by_label("Số tiết bồi dưỡng (BDTX)").fill("6")
        page.get_by_label("Phạm Văn Lâm").check()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the form is {width} px wide on a 375 px phone"
        page.get_by_role("button", name="Ghi buổi học").click()

        expect(page.locator(".flash-success")).to_contain_text("1 người có mặt")
        expect(page.locator("dl.facts")).to_contain_text("6 tiết")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"the session page is {width} px wide on a 375 px phone"
        with page.expect_download() as download:
            page.get_by_role("link", name="In danh sách ký tên (PDF)").click()
        assert download.value.suggested_filename.endswith(".pdf")
    finally:
        context.close()
