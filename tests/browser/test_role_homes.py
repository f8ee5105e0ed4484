"""Each demo role signs in through a real browser and lands on its home page."""

from __future__ import annotations

import re

import pytest
from browser_support import sign_in
from playwright.sync_api import Page, expect


@pytest.mark.parametrize(
    ("username", "expected"),
    [
        ("hs.thtp.2", "Khóa học của em"),
        ("gv1.thtp", "Bồi dưỡng của tôi"),
        ("ql.thtp", "Nhập danh sách (Excel/CSV)"),
        ("so.laichau", "Đơn vị trực thuộc"),
    ],
)
def test_demo_user_signs_in_and_sees_their_home(page: Page, username: str, expected: str) -> None:
    sign_in(page, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
    expect(page.locator("main")).to_contain_text(expected)
    expect(page.locator(".hotline")).to_contain_text("111")


def test_quick_exit_leaves_without_a_way_back(page: Page) -> None:
    page.route("https://www.google.com.vn/**", lambda route: route.fulfill(body="neutral"))
    sign_in(page, "hs.thtp.2")
    page.get_by_role("button", name="Thoát nhanh").click()
    page.wait_for_url("https://www.google.com.vn/**")
    page.go_back()
    assert "Xin chào" not in page.content()


def test_escape_key_is_a_quick_exit(page: Page) -> None:
    page.route("https://www.google.com.vn/**", lambda route: route.fulfill(body="neutral"))
    page.goto("/login")
    page.keyboard.press("Escape")
    page.wait_for_url("https://www.google.com.vn/**")


def test_large_text_and_contrast_persist_across_pages(page: Page) -> None:
    sign_in(page, "gv1.thtp")
    page.get_by_text("Tùy chọn", exact=True).click()  # a phone: the controls are in the menu
    page.get_by_role("button", name="Chữ to").click()
    page.get_by_role("button", name="Tương phản cao").click()
    page.goto("/")
    expect(page.locator("html")).to_have_class(re.compile(r"\btext-large contrast-high\b"))
    page.get_by_text("Tùy chọn", exact=True).click()
    expect(page.get_by_role("button", name="Chữ to")).to_have_attribute("aria-pressed", "true")


def test_switching_to_english_keeps_the_page(page: Page) -> None:
    sign_in(page, "gv1.thtp")
    page.get_by_text("Tùy chọn", exact=True).click()
    page.get_by_role("button", name="English").click()
    page.locator(".display-menu > summary").click()  # the menu's label is English now
    expect(page.get_by_role("button", name="Tiếng Việt")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_font_is_served_by_the_app_itself(page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto("/login")
    page.wait_for_load_state("networkidle")
    font = re.compile(r"/fonts/be-vietnam-pro-400\.[0-9a-f]{12}\.woff2$")
    assert any(font.search(url) for url in requests)
    assert all(url.startswith(page.url.split("/login")[0]) for url in requests)
