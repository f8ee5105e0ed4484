"""What the browser tests and bench/page_weight.py share: Chromium's switches in a container and
signing in through the real form."""

from __future__ import annotations

from playwright.sync_api import Page

from lms_module.demo.services import DEMO_PASSWORD

#: Chromium's switches here: no sandbox (root in a container), no GPU, and none of the
#: background connections a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login form and wait until the browser has left it."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/login" not in url)
