"""An Open edX problem on a 375 px phone: a choice nested in a table and a number answered,
a hint after submitting, a demand hint on request and the answer with its solution."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import browser_support
import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from courses.blocks.problem import ProblemBlock
from lms_module.db import db_session
from lms_module.demo.services import DEMO_PASSWORD
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Course
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "cau-hoi-open-edx-thu"
UNIT = BlockKey(SLUG, "vertical", "u1").usage_id
PROBLEM = ProblemBlock.workbench_scenarios()[1][1].replace("<problem", '<problem url_name="p1"', 1)


@pytest.fixture
def problem_teacher(app: Flask, tmp_path: Path) -> Iterator[str]:
    """A teacher in a province of their own, and a teachers' course of one problem, taken off
    the list again afterwards (the demo's teachers see the same courses as before)."""
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "course.xml").write_text(
        f'<course slug="{SLUG}" url_name="root" display_name="Câu hỏi Open edX"'
        ' audience="teacher" credit_periods="1" pass_mark="0.5" validity_months="12">'
        '<chapter url_name="c1" display_name="Chương"><sequential url_name="s1" display_name="Bài">'
        f'<vertical url_name="u1" display_name="Tổng đài 111">{PROBLEM}</vertical>'
        "</sequential></chapter></course>",
        encoding="utf-8",
    )
    with app.app_context():
        session = db_session()
        load_course(session, folder)
        province = create_unit(session, kind=OrgKind.PROVINCE, code="OEX", name="Tỉnh OEX")
        school = create_unit(
            session, kind=OrgKind.SCHOOL, code="OEX-TH", name="Trường OEX", parent=province,
            school_level=SchoolLevel.PRIMARY,
        )
        teacher = create_user(
            session, username="gv.oex", full_name="Lò Văn Hùng", password=DEMO_PASSWORD
        )
        add_membership(session, teacher, school, Role.TEACHER)
        session.commit()
    yield "gv.oex"
    with app.app_context():
        session = db_session()
        course = session.scalars(select(Course).where(Course.slug == SLUG)).one()
        course.current_version_id = None
        session.commit()


@pytest.fixture
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport={"width": 375, "height": 667}
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def test_a_nested_choice_and_a_number_with_hints_and_the_answer(
    phone: Page, problem_teacher: str
) -> None:
    page = phone
    browser_support.sign_in(page, problem_teacher)
    page.goto(f"/courses/{SLUG}/units/{UNIT}")
    problem = page.locator(".cb-problem")
    expect(problem.locator("table")).to_contain_text("Gọi 111 có mất tiền không?")

    page.get_by_label("Có", exact=True).check()
    page.get_by_label("Tổng đài mở mấy giờ một ngày?").fill("24")
    page.get_by_role("button", name="Nộp bài").click()
    expect(problem.locator(".cb-status")).to_contain_text("Điểm: 50% – Đúng một phần.")
    expect(problem.get_by_text("Gọi 111 không mất tiền.")).to_be_visible()
    expect(problem.locator(".cb-wrong .cb-mark")).to_have_text("Chưa đúng")
    expect(problem.locator(".cb-right .cb-mark")).to_have_text("Đúng")

    page.get_by_role("button", name="Gợi ý").click()
    expect(problem.locator(".cb-demand-hints li")).to_have_text(
        ["Gợi ý (1 trên 2): Tổng đài mở cả ngày lẫn đêm."]
    )
    page.get_by_role("button", name="Gợi ý").click()
    expect(problem.locator(".cb-demand-hints li")).to_have_count(2)

    page.get_by_role("button", name="Xem đáp án").click()
    expect(problem.locator(".cb-solution")).to_contain_text(
        "Tổng đài 111 miễn phí và mở 24 giờ mỗi ngày."
    )
    expect(problem.locator('[data-choice="choice_0"] .cb-answer-mark')).to_have_text(
        "(đáp án đúng)"
    )
    expect(problem.locator(".cb-answer-text")).to_have_text("Đáp án: 24")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
