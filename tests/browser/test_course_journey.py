"""A grade 2 student takes the sample course end to end in a real browser, and completes it."""

from __future__ import annotations

import re

from browser_support import sign_in
from playwright.sync_api import ConsoleMessage, Page, Response, expect

STUDENT = "hs.thtp.2"


def record_console_error(errors: list[str], message: ConsoleMessage) -> None:
    # Every error counts, the browser's own request for /favicon.ico included (the site has one).
    if message.type == "error":
        errors.append(f"{message.text} ({message.location.get('url')})")


def is_view_record(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/viewed")


def next_unit(page: Page) -> None:
    page.get_by_role("link", name="Trang tiếp").click()


def test_a_student_reads_answers_retries_and_completes_the_sample_course(page: Page) -> None:
    # Every block script must run under the page's CSP, and every resource must load.
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: record_console_error(errors, message))

    sign_in(page, STUDENT)

    # Open the course from the home page and start it.
    page.get_by_role("link", name="Em an toàn", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Em an toàn")
    # Unit 1: read. The page, once loaded, records the view with a POST of its own.
    with page.expect_response(is_view_record) as viewed:
        page.get_by_role("link", name="Bắt đầu học").click()
    assert viewed.value.ok, viewed.value.text()
    lesson = page.get_by_role("heading", name="Cơ thể của em là của em")
    expect(lesson).to_be_visible()
    expect(page.get_by_role("img", name="Tấm khiên màu xanh có dấu tích trắng")).to_be_visible()
    expect(page.locator("#course-unit")).to_contain_text("Em có thể gọi 111")
    # One h1, the page's title; the bar counts the pages done, this view's included.
    expect(page.get_by_role("heading", level=1)).to_have_text("Quy tắc đồ lót")
    expect(page.get_by_label("Tiến độ")).to_have_attribute("value", "1")
    expect(page.get_by_label("Tiến độ")).to_have_attribute("max", "4")

    # The view is recorded: the outline counts the unit read and resumes there.
    page.get_by_role("navigation", name="Vị trí").get_by_role("link", name="Em an toàn").click()
    expect(page.get_by_label("Tiến độ")).to_have_attribute("value", "1")
    expect(page.get_by_role("link", name="Quy tắc đồ lót")).to_have_attribute(
        "aria-current", "step"
    )
    page.get_by_role("link", name="Học tiếp").click()
    expect(lesson).to_be_visible()
    next_unit(page)

    # Unit 2: a scenario, first a wrong choice, then the way to the ending.
    expect(page.get_by_role("heading", name="Một bí mật")).to_be_visible()
    page.get_by_role("button", name="Giữ bí mật").click()
    expect(page.get_by_text("Chưa đúng. Bất ngờ vui")).to_be_visible()
    page.get_by_role("button", name="Kể với mẹ").click()
    expect(page.get_by_text("Mẹ ôm Lan và cảm ơn Lan đã kể.")).to_be_visible()
    expect(page.get_by_text("Mẹ hỏi Lan")).to_be_visible()
    page.get_by_role("button", name="Kể với cô giáo hoặc gọi 111").click()
    expect(page.get_by_text("Tuyệt vời! Em đã biết tìm người giúp.")).to_be_visible()
    expect(page.get_by_text("Hoàn thành", exact=False)).to_be_visible()
    next_unit(page)

    # Unit 3: the quiz, with one wrong answer...
    expect(page.get_by_role("heading", name="Em nhớ gì?")).to_be_visible()
    page.get_by_label("Im lặng và ở lại").check()
    for helper in ("Bố mẹ", "Cô giáo", "Tổng đài 111"):
        page.get_by_label(helper).check()
    page.get_by_label("Sai", exact=True).check()
    page.get_by_role("button", name="Nộp bài").click()
    quiz_status = page.get_by_role("status").filter(has_text="Điểm")
    expect(quiz_status).to_contain_text("Chưa đạt")
    expect(quiz_status).to_contain_text("Số lần làm còn lại: 2")
    expect(page.get_by_text("Chưa đúng. Em có quyền nói “Không!” và đi chỗ khác.")).to_be_visible()

    # ... then a retry with every answer right.
    page.get_by_label("Nói “Không!” và chạy ra chỗ khác").check()
    page.get_by_role("button", name="Nộp bài").click()
    expect(quiz_status).to_contain_text("Điểm: 100% – Đạt")
    expect(quiz_status).to_contain_text("Số lần làm còn lại: 1")
    next_unit(page)

    # Unit 4: a private reflection.
    page.get_by_label("Hãy viết tên hai người lớn em tin cậy.").fill("Mẹ và cô Hoa")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu")).to_be_visible()

    # The results: 100% and the course completed.
    page.get_by_role("link", name="Xem kết quả").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả: Em an toàn")
    expect(page.get_by_role("status")).to_contain_text("Em đã hoàn thành khóa học ngày")
    expect(page.get_by_role("definition").first).to_have_text("4/4 trang đã xong")
    page.get_by_role("link", name="Về mục lục khóa học").click()
    expect(page.get_by_text("Em đã hoàn thành khóa học này.")).to_be_visible()
    expect(page.get_by_label("Tiến độ")).to_have_attribute("value", "4")
    expect(page.get_by_role("link", name="Xem lại")).to_be_visible()

    assert not errors, errors


def test_the_course_player_answers_a_signed_out_handler_call_in_json(page: Page) -> None:
    # A fetch() from a page left open after signing out gets an error it can show.
    page.goto("/login")
    response = page.request.post(
        "/xblock/block-v1:em-an-toan-lop-1-2+type@quiz+block@q1_on_tap/handler/submit",
        data={"answers": {}},
        headers={"X-CSRFToken": "x"},
    )
    assert response.status == 401
    assert re.search("đăng nhập", response.json()["error"])
