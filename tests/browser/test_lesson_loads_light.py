"""A student's lesson in a real browser: every request succeeds, compressed, in the web font."""

from __future__ import annotations

from browser_support import sign_in
from playwright.sync_api import Page, Request, Response, expect

STUDENT = "hs.thtp.4"


def test_a_lesson_loads_with_no_failed_request_in_the_web_font(page: Page) -> None:
    sign_in(page, STUDENT)
    page.goto("/courses")
    page.locator("main a[href*='/courses/']").first.click()
    lesson = page.locator("main a[href*='/units/']").first.get_attribute("href")
    assert lesson is not None

    failed: list[str] = []
    responses: list[Response] = []
    errors: list[str] = []

    def on_failed(request: Request) -> None:
        failed.append(f"{request.url} {request.failure}")

    page.on("requestfailed", on_failed)
    page.on("response", lambda response: responses.append(response))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(lesson)
    expect(page.locator("#course-unit")).to_be_visible()
    page.evaluate("() => document.fonts.ready")

    assert failed == []
    assert [r.url for r in responses if r.status >= 400] == []
    assert errors == []
    # Both weights come from the app as WOFF2 and are in use: the text is drawn in the font.
    faces = page.evaluate(
        "() => [...document.fonts].filter(f => f.status === 'loaded')"
        ".map(f => f.family.replaceAll('\"', '') + ' ' + f.weight)"
    )
    assert "Be Vietnam Pro 400" in faces
    assert page.evaluate("() => document.fonts.check('16px \"Be Vietnam Pro\"', 'Tiếng Việt')")
    fonts = [r for r in responses if r.url.endswith(".woff2")]
    assert fonts and all(r.headers["content-type"] == "font/woff2" for r in fonts)
    # Text comes compressed (brotli), static files under hashed names kept for a year.
    page_response = next(r for r in responses if r.url.endswith(lesson))
    assert page_response.headers.get("content-encoding") == "br"
    assert page_response.headers["cache-control"] == "no-store"
    stylesheet = next(r for r in responses if "/assets/css/lms." in r.url)
    assert stylesheet.headers.get("content-encoding") == "br"
    assert stylesheet.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert not [r.url for r in responses if r.url.endswith("/favicon.ico")]
