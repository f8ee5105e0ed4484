"""A school manager prints a class's parent letters; a parent scans one (the QR code decoded from
the printed PDF), accepts the notice, makes an account, takes the parents' course to completion
and follows the child's progress; a second letter links a second child; another child is 403.
On a 375 px phone."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from collections import deque
from pathlib import Path
from typing import Any

import pytest
from browser_support import sign_in
from flask import Flask
from lxml import etree
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect
from pypdf import PdfReader

from courses.blocks.quiz import parse_questions
from courses.blocks.scenario import END, parse_steps
from courses.content import SAMPLE_COURSE
from lms_module.db import db_session
from lms_module.orgs.models import OrgUnit
from lms_module.orgs.services import unit_by_code
from lms_module.people.services import class_students
from lms_module.school_years.current import current_school_year

MANAGER = "ql.thtp"
SCHOOL_CODE = "DEMO-TH-TP"
PARENTS_COURSE = "cung-con-an-toan"
PIN = "471958"
PHONE = {"width": 375, "height": 800}


def _class(app: Flask, grade: int) -> tuple[int, list[str]]:
    """The demo school's class of ``grade``: its id and its children's names, in list order."""
    with app.app_context():
        session = db_session()
        year = current_school_year()
        unit = unit_by_code(session, f"{SCHOOL_CODE}-{year.start}-{grade}A")
        assert isinstance(unit, OrgUnit)
        return unit.id, [child.full_name for child in class_students(session, unit)]


def _child_id(app: Flask, class_id: int, name: str) -> int:
    with app.app_context():
        session = db_session()
        unit = session.get(OrgUnit, class_id)
        assert unit is not None
        return next(c.id for c in class_students(session, unit) if c.full_name == name)


def _print_letters(page: Page, class_id: int, tmp_path: Path) -> Path:
    """As the manager: open the class, its parents' page, print the letters; return the PDF."""
    page.goto(f"/classes/{class_id}")
    page.get_by_role("link", name="Cha mẹ của lớp: thư liên kết, ai đã đồng ý").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cha mẹ lớp")
    with page.expect_download() as download:
        page.get_by_role("button", name="In thư gửi cha mẹ của cả lớp (PDF)").click()
    pdf = tmp_path / f"letters-{class_id}.pdf"
    download.value.save_as(pdf)
    return pdf


def _scan_first_letter(pdf: Path, names: list[str]) -> tuple[str, str]:
    """Render the first letter's page and decode its QR code as a phone's camera would; return
    the link and the child the page names."""
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg not found: install the Debian package `zbar-tools`", pytrace=False)
    image = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(image)], check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", f"{image}.png"], check=True,
                             capture_output=True, text=True).stdout.split()
    assert len(decoded) == 1, decoded
    first_page = PdfReader(io.BytesIO(pdf.read_bytes())).pages[0].extract_text() or ""
    text = " ".join(first_page.split())
    child = next(name for name in names if name in text)
    return decoded[0], child


def _good_path(steps: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The good choices from a scenario's first step to an ending."""
    by_id = {step["id"]: step for step in steps}
    queue: deque[tuple[str, list[tuple[str, str]]]] = deque([(steps[0]["id"], [])])
    while queue:
        step_id, path = queue.popleft()
        for choice in by_id[step_id]["choices"]:
            if choice["good"] and choice["next"] != "retry":
                taken = [*path, (step_id, choice["id"])]
                if choice["next"] == END:
                    return taken
                queue.append((choice["next"], taken))
    raise AssertionError("no good path")


def _is_view_record(response: Response) -> bool:
    return response.request.method == "POST" and response.url.endswith("/viewed")


def _take_parents_course(page: Page) -> None:
    """Open every page of the parents' course (each records its own view) and answer its quizzes,
    scenarios and reflection through the blocks' handlers, as their scripts do, every answer
    right."""
    root = etree.parse(str(SAMPLE_COURSE.parent / PARENTS_COURSE / "course.xml")).getroot()
    prefix = f"block-v1:{PARENTS_COURSE}"
    for vertical in root.iter("vertical"):
        unit = f"{prefix}+type@vertical+block@{vertical.get('url_name')}"
        url = f"/courses/{PARENTS_COURSE}/units/{unit}"
        if any(True for _ in vertical.iterchildren("lesson", "html")):
            with page.expect_response(_is_view_record) as viewed:
                page.goto(url)
            assert viewed.value.ok, viewed.value.text()
        else:
            page.goto(url)
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert token
        for block in vertical.iterchildren("quiz", "scenario", "reflection"):
            usage = f"{prefix}+type@{block.tag}+block@{block.get('url_name')}"
            if block.tag == "reflection":
                calls = [("save_answer", {"answer": "Tối nay tôi hỏi con học gì ở trường."})]
            elif block.tag == "quiz":
                calls = [("submit", {"answers": {
                    q["id"]: [o["id"] for o in q["options"] if o["correct"]]
                    for q in parse_questions(block)}})]
            else:
                calls = [("choose", {"step": step, "choice": choice})
                         for step, choice in _good_path(parse_steps(block))]
            for handler, payload in calls:
                response = page.request.post(
                    f"/xblock/{usage}/handler/{handler}", data=json.dumps(payload),
                    headers={"Content-Type": "application/json", "X-CSRFToken": token},
                )
                assert response.ok, response.text()


def _phone(browser: Browser, live_server: str) -> BrowserContext:
    return browser.new_context(base_url=live_server, locale="vi-VN", viewport=PHONE)


def test_a_parent_links_by_letter_learns_and_follows_two_children_only(
    browser: Browser, live_server: str, app: Flask, tmp_path: Path
) -> None:
    class_2a, names_2a = _class(app, 2)
    class_4a, names_4a = _class(app, 4)
    manager = _phone(browser, live_server)
    parent = _phone(browser, live_server)
    try:
        staff = manager.new_page()
        sign_in(staff, MANAGER)
        letters_2a = _print_letters(staff, class_2a, tmp_path)
        assert len(PdfReader(str(letters_2a)).pages) == len(names_2a)
        link, child = _scan_first_letter(letters_2a, names_2a)
        assert link.startswith(f"{live_server}/lien-ket?ma=")

        # The parent scans the letter: the notice, agreed; the account, made.
        page = parent.new_page()
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Thông báo về dữ liệu cá nhân")
        expect(page.get_by_text(child).first).to_be_visible()
        expect(page.locator("article.notice")).to_contain_text("91/2025/QH15")
        page.get_by_label("Anh chị là gì của em?").select_option("mother")
        page.get_by_role("button", name="Đồng ý", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tạo tài khoản cha mẹ")
        page.get_by_label("Họ và tên của anh chị").fill("Lò Thị Mai")
        page.get_by_label("Mã PIN 6 số").fill(PIN)
        page.get_by_label("Gõ lại mã PIN").fill(PIN)
        page.get_by_role("button", name="Tạo tài khoản và liên kết").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tài khoản đã tạo")
        username = page.locator("#username").inner_text()
        assert username.startswith("mai.")
        page.get_by_role("link", name="Đến trang của anh chị").click()
        expect(page.locator("#my-children")).to_contain_text(child)
        expect(page.locator(".hotline")).to_contain_text("111")

        # The parents' course, to completion.
        page.get_by_role("link", name="Cùng con an toàn", exact=False).first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Cùng con an toàn")
        _take_parents_course(page)
        page.goto(f"/courses/{PARENTS_COURSE}/results")
        expect(page.get_by_role("status").first).to_contain_text("Đã hoàn thành khóa học ngày")
        page.goto("/")
        expect(page.locator(".course-list")).to_contain_text("Đã hoàn thành ngày")

        # The child's page: class, progress of the child's course, consent.
        page.locator("#my-children").get_by_role("link", name=child).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(child)
        expect(page.get_by_text("Lớp 2A").first).to_be_visible()
        expect(page.get_by_role("heading", name="Con học đến đâu")).to_be_visible()
        expect(page.get_by_label("Tiến độ").first).to_be_visible()
        expect(page.get_by_role("button", name="Rút lại đồng ý")).to_be_visible()

        # A second letter, for a child of class 4A: signed in, the parent adds that child.
        letters_4a = _print_letters(staff, class_4a, tmp_path)
        second_link, second_child = _scan_first_letter(letters_4a, names_4a)
        page.goto(second_link)
        page.get_by_label("Anh chị là gì của em?").select_option("mother")
        page.get_by_role("button", name="Đồng ý", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(second_child)
        page.goto("/")
        expect(page.locator("#my-children li")).to_have_count(2)

        # Any other child: 403.
        other = next(name for name in names_2a if name != child)
        response = page.goto(f"/children/{_child_id(app, class_2a, other)}")
        assert response is not None and response.status == 403
        expect(page.get_by_text("chỉ xem được thông tin của con mình")).to_be_visible()
        expect(page.get_by_text(other)).to_have_count(0)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], scroll_width
    finally:
        manager.close()
        parent.close()
