"""Phones, safety and feel, in a real browser at 375 px and on a desktop.

A school of its own (its own database file, so revoking here changes no other test's demo):
management tables that read on a phone, revocations that ask first, the quick exit that signs
out and leaves no way back, Esc that spares a text being typed, read-aloud only with a voice,
and a student header that leaves the lesson's picture on the first screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import browser_support
import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect
from sqlalchemy import select

from courses.content import SAMPLE_COURSE
from helpers import PASSWORD, SCHOOL_YEAR, make_test_app, reset_schema
from lms_module.certification.models import Certificate
from lms_module.db import db_session
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Audience, BlockUsage
from lms_module.learning.services import (
    complete_course_if_done,
    get_course,
    record_block_completion,
)
from lms_module.obligations.targets import create_requirement, set_target
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role, User
from lms_module.people.services import add_membership, create_user
from lms_module.school_years.year import SchoolYear

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(PHONE, id="375px"), pytest.param(DESKTOP, id="1280px")]

#: Names as long as real ones get, so that a squeezed column shows.
CHILDREN = [
    "Nguyễn Thị Phương Thảo",
    "Hoàng Nguyễn Khánh Ngọc Bảo Quỳnh",
    "Lò Văn Sính",
    "Giàng Thị Mỷ",
    "Vàng Seo Chứ",
    "Đặng Ngọc Ỹ",
]
CERTIFIED = CHILDREN[:3]
#: The first picture of the sample course's first lesson.
PICTURE = "Tấm khiên màu xanh có dấu tích trắng"
CERT_COURSE = (
    '<course slug="h6-an-toan" display_name="Em an toàn ở trường học và trên đường về nhà"'
    ' audience="student" grade_min="1" grade_max="5" validity="school_year">'
    "<chapter><sequential><vertical><html><p>Xin chào</p></html></vertical></sequential>"
    "</chapter></course>"
)
REFLECTION_COURSE = (
    '<course slug="h6-suy-ngam" display_name="Em viết" audience="student" grade_min="1"'
    ' grade_max="5"><chapter display_name="Em viết"><sequential display_name="Em viết">'
    '<vertical display_name="Người em tin cậy"><reflection url_name="r1"'
    ' display_name="Người em tin cậy"><prompt>Hãy viết tên một người lớn em tin cậy.</prompt>'
    "</reflection></vertical></sequential></chapter></course>"
)

#: Counts the text nodes of the tables that wrap to one word per line (a squeezed column).
ONE_WORD_LINES = """
() => {
  const squeezed = [];
  for (const table of document.querySelectorAll("main table")) {
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (table.classList.contains("stacks") && node.parentElement.closest("thead")) {
        continue;  // read by screen readers only, while the rows are stacked
      }
      const words = node.textContent.trim().split(/\\s+/).filter(Boolean);
      if (words.length < 2) { continue; }
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set();
      for (const rect of range.getClientRects()) {
        if (rect.width > 0) { lines.add(Math.round(rect.top)); }
      }
      if (lines.size >= words.length) { squeezed.push(node.textContent.trim()); }
    }
  }
  return squeezed;
}
"""


@dataclass(frozen=True)
class School:
    """Ids of this module's school."""

    school_id: int
    class_id: int
    target_id: int
    student_ids: dict[str, int]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """This module's own app and database (overrides the demo app of the conftest)."""
    folder = tmp_path_factory.mktemp("phones")
    app = make_test_app(f"sqlite:///{folder / 'school.sqlite3'}", TRUSTED_HOSTS=["127.0.0.1"])
    reset_schema(app)
    yield app
    app.extensions["lms"].engine.dispose()


@pytest.fixture(scope="module")
def school(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> School:
    """A primary school with a manager, a class of six (three certified), a target."""
    folder = tmp_path_factory.mktemp("courses")
    with app.app_context():
        session = db_session()
        province = create_unit(
            session, kind=OrgKind.PROVINCE, code="H6-LC", name="Sở GD-ĐT Lai Châu"
        )
        commune = create_unit(
            session, kind=OrgKind.COMMUNE, code="H6-TD", name="Xã Tam Đường", parent=province
        )
        school = create_unit(
            session, kind=OrgKind.SCHOOL, code="H6-TH", name="Trường Tiểu học Tam Đường",
            parent=commune, school_level=SchoolLevel.PRIMARY,
        )
        class_unit = create_unit(
            session, kind=OrgKind.CLASS, code="H6-2A", name="2A", parent=school, grade=2,
            school_year=SCHOOL_YEAR,
        )
        manager = create_user(
            session, username="ql.h6", full_name="Phạm Thị Mai", password=PASSWORD,
            staff_code="CB-H6",
        )
        add_membership(session, manager, school, Role.SCHOOL_MANAGER, school_year=SCHOOL_YEAR)
        students: dict[str, User] = {}
        for number, name in enumerate(CHILDREN):
            students[name] = create_user(
                session, username=f"hs.h6.{number}", full_name=name, password=PASSWORD,
                student_code=f"0120990000{number:02d}",
            )
            add_membership(
                session, students[name], class_unit, Role.STUDENT, school_year=SCHOOL_YEAR
            )
        load_course(session, SAMPLE_COURSE)
        for slug, olx in (("h6-an-toan", CERT_COURSE), ("h6-suy-ngam", REFLECTION_COURSE)):
            (folder / slug).mkdir()
            (folder / slug / "course.xml").write_text(olx, encoding="utf-8")
            load_course(session, folder / slug)
        course = get_course(session, "h6-an-toan")
        html_blocks = session.scalars(
            select(BlockUsage.usage_id).where(
                BlockUsage.course_version_id == course.current_version_id,
                BlockUsage.block_type == "html",
            )
        ).all()
        for name in CERTIFIED:
            for usage_id in html_blocks:
                record_block_completion(session, students[name], course, usage_id, 1.0)
            assert complete_course_if_done(session, students[name], course) is not None
        requirement = create_requirement(
            session, code="H6-HS", title_vi="Học sinh học an toàn", courses=[course]
        )
        target = set_target(
            session, unit=school, audience=Audience.STUDENT, requirement=requirement,
            percent=95, school_year=SCHOOL_YEAR,
            deadline=SchoolYear.parse(SCHOOL_YEAR).reporting_end,
        )
        session.commit()
        assert len(session.scalars(select(Certificate)).all()) == len(CERTIFIED)
        return School(
            school.id, class_unit.id, target.id, {n: s.id for n, s in students.items()}
        )


def open_page(browser: Browser, base_url: str, viewport: dict[str, int], *,
              javascript: bool = True) -> tuple[BrowserContext, Page]:
    context = browser.new_context(
        base_url=base_url, locale="vi-VN", viewport=viewport, java_script_enabled=javascript
    )
    return context, context.new_page()


@pytest.fixture(params=VIEWPORTS)
def viewport(request: pytest.FixtureRequest) -> dict[str, int]:
    return request.param


@pytest.fixture()
def page(browser: Browser, live_server: str, viewport: dict[str, int]) -> Iterator[Page]:
    context, page = open_page(browser, live_server, viewport)
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Page, username: str) -> None:
    browser_support.sign_in(page, username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two computed CSS colours ("rgb(r, g, b)")."""

    def luminance(colour: str) -> float:
        channels = [int(value) / 255 for value in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def style(page: Page, selector: str, name: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e).{name}"))


# ------------------------------------------------------------------- management tables


def management_pages(school: School) -> dict[str, str]:
    return {
        "class list": f"/classes/{school.class_id}",
        "certificates": f"/units/{school.school_id}/certificates",
        "training status": f"/units/{school.school_id}/training-status",
        "uncovered": f"/units/{school.school_id}/coverage/uncovered?target={school.target_id}",
    }


def upload_roster(page: Page, school: School, names: list[str]) -> None:
    """Upload a class list of ``names`` and land on its preview."""
    rows = ["STT,Mã định danh,Họ và tên,Lớp"] + [
        f"{n},0120990001{n:02d},{name},2A" for n, name in enumerate(names, start=1)
    ]
    page.goto(f"/units/{school.school_id}/roster")
    page.get_by_label("Tệp danh sách").set_input_files(
        {"name": "lop-2a.csv", "mimeType": "text/csv", "buffer": "\n".join(rows).encode()}
    )
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.get_by_role("heading", name="Xem trước: lop-2a.csv")).to_be_visible()


#: New children for the roster preview; the second list has names with digits (row errors).
NEW_CHILDREN = ["Nguyễn Hoàng Khánh Ngọc Bảo Quỳnh", "Tòng Thị Phương Anh", "Lý Seo Dế"]
MISTYPED_CHILDREN = ["Nguyễn Hoàng Khánh Ngọc Bảo Quỳnh 1", "Tòng Thị Phương Anh 2"]


def check_table_reads(page: Page, viewport: dict[str, int], what: str) -> None:
    expect(page.locator("main table").first).to_be_visible()
    assert page.evaluate(ONE_WORD_LINES) == [], f"{what}: a column is one word per line"
    width = viewport["width"]
    if width <= PHONE["width"]:
        # Stacked rows: nothing runs off the side of the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width, what
    folded = page.locator("main table tbody details:not([open]) > summary")
    for _ in range(folded.count()):
        folded.nth(0).click()  # open it: its buttons must fit too (opened rows leave the list)
    actions = page.locator("main table tbody").locator("button, summary, a")
    for index in range(actions.count()):
        action = actions.nth(index)
        expect(action).to_be_visible()
        action.scroll_into_view_if_needed()
        box = action.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{what}: action off screen"


def test_management_tables_read_without_one_word_lines(
    page: Page, school: School, viewport: dict[str, int]
) -> None:
    sign_in(page, "ql.h6")
    for what, path in management_pages(school).items():
        page.goto(path)
        check_table_reads(page, viewport, what)
    upload_roster(page, school, NEW_CHILDREN)
    expect(page.get_by_role("button", name="Xác nhận nhập")).to_be_visible()
    check_table_reads(page, viewport, "roster preview")
    upload_roster(page, school, MISTYPED_CHILDREN)
    expect(page.get_by_role("alert")).to_contain_text("chưa nhập gì")
    check_table_reads(page, viewport, "roster problems")


def test_management_tables_read_on_a_phone_without_script(
    browser: Browser, live_server: str, school: School
) -> None:
    context, page = open_page(browser, live_server, PHONE, javascript=False)
    try:
        sign_in(page, "ql.h6")
        for what, path in management_pages(school).items():
            page.goto(path)
            # The table scrolls sideways instead; its cells keep a readable width.
            assert page.evaluate(ONE_WORD_LINES) == [], what
            actions = page.locator("main table tbody").locator(
                "button:not(details *), summary, a:not(details *)"
            )
            for index in range(actions.count()):
                actions.nth(index).scroll_into_view_if_needed()
                expect(actions.nth(index)).to_be_in_viewport()
    finally:
        context.close()


def test_on_a_phone_a_row_is_a_card_and_its_button_is_not_the_biggest_thing(
    page: Page, school: School, viewport: dict[str, int]
) -> None:
    sign_in(page, "ql.h6")
    page.goto(f"/classes/{school.class_id}")
    row = page.locator("main table tbody tr").filter(has_text=CHILDREN[0]).first
    code, name, card = (row.locator("td").nth(index).bounding_box() for index in range(3))
    button = row.get_by_role("button", name="Thu hồi thẻ cũ").bounding_box()
    whole = row.bounding_box()
    assert code and name and card and button and whole
    assert button["width"] < whole["width"] / 2
    assert button["height"] <= name["height"] + 16
    button_size = style(page, "main table tbody tr button", "fontSize")
    name_size = style(page, "main table tbody td", "fontSize")
    assert float(button_size.rstrip("px")) <= float(name_size.rstrip("px"))
    if viewport is PHONE:
        # A card: the cells one under the other, each with its column's name.
        assert code["x"] == name["x"] == card["x"]
        assert code["y"] < name["y"] < card["y"]
        expect(row.locator("td").first).to_have_attribute("data-label", "Mã định danh")
    else:
        assert code["y"] == name["y"] == card["y"]  # a table row, as before


# ------------------------------------------------------------- revocation asks first


def card_version(app: Flask, user_id: int) -> int:
    with app.app_context():
        return db_session().get_one(User, user_id).login_card_version


def certificate_revoked(app: Flask, holder_name: str) -> bool:
    with app.app_context():
        certificate = db_session().scalars(
            select(Certificate).where(Certificate.holder_name == holder_name)
        ).one()
        return certificate.revoked


def answer_dialogs(page: Page, accept: bool, messages: list[str]) -> None:
    def answer(dialog: Dialog) -> None:
        messages.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)


def test_revoking_a_login_card_asks_first_and_cancel_keeps_it(
    page: Page, app: Flask, school: School, viewport: dict[str, int]
) -> None:
    child = CHILDREN[3 if viewport is PHONE else 4]
    before = card_version(app, school.student_ids[child])
    sign_in(page, "ql.h6")
    page.goto(f"/classes/{school.class_id}")
    row = page.locator("main table tbody tr").filter(has_text=child)
    messages: list[str] = []
    answer_dialogs(page, False, messages)
    row.get_by_role("button", name="Thu hồi thẻ cũ").click()
    expect(page.locator(".flash-success")).to_have_count(0)
    assert messages == [
        f"Thu hồi thẻ: thẻ đã in của em {child} sẽ không đăng nhập được nữa và em bị đăng "
        "xuất khỏi mọi máy. Em cần thẻ mới."
    ]
    assert card_version(app, school.student_ids[child]) == before  # the card still works

    answer_dialogs(page, True, messages)
    row.get_by_role("button", name="Thu hồi thẻ cũ").click()
    expect(page.locator(".flash-success")).to_contain_text(
        f"Đã thu hồi thẻ đăng nhập cũ của {child}"
    )
    assert card_version(app, school.student_ids[child]) == before + 1


def test_revoking_a_certificate_asks_first_stating_what_it_does(
    page: Page, app: Flask, school: School, viewport: dict[str, int]
) -> None:
    holder = CERTIFIED[0 if viewport is PHONE else 1]
    sign_in(page, "ql.h6")
    page.goto(f"/units/{school.school_id}/certificates")
    row = page.locator("main table tbody tr").filter(has_text=holder)
    row.get_by_text("Thu hồi hoặc cấp lại").click()
    row.get_by_label("Lý do thu hồi").fill("Cấp nhầm người")
    messages: list[str] = []
    answer_dialogs(page, False, messages)
    row.get_by_role("button", name="Thu hồi", exact=True).click()
    expect(row.get_by_label("Lý do thu hồi")).to_have_value("Cấp nhầm người")
    assert len(messages) == 1
    assert holder in messages[0] and "không còn hiệu lực" in messages[0]
    assert not certificate_revoked(app, holder)

    answer_dialogs(page, True, messages)
    row.get_by_role("button", name="Thu hồi", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Đã thu hồi giấy chứng nhận")
    assert certificate_revoked(app, holder)


# ----------------------------------------------------------------------- quick exit


@pytest.fixture()
def exit_page(app: Flask, live_server: str) -> Iterator[str]:
    """The quick exit leads to a page of the live server (in production: a neutral site)."""
    original = app.config["LMS_QUICK_EXIT_URL"]
    app.config["LMS_QUICK_EXIT_URL"] = f"{live_server}/verify"
    try:
        yield app.config["LMS_QUICK_EXIT_URL"]
    finally:
        app.config["LMS_QUICK_EXIT_URL"] = original


def open_first_lesson(page: Page) -> None:
    page.get_by_role("link", name="Em an toàn", exact=True).click()
    with page.expect_response(re.compile(r"/units/")) as lesson:
        page.get_by_role("link", name=re.compile("Bắt đầu học|Học tiếp")).click()
    assert lesson.value.headers["cache-control"] == "no-store"  # Back must ask again
    expect(page.get_by_role("img", name=PICTURE)).to_be_visible()


@pytest.mark.parametrize("how", ["button", "Esc"])
def test_quick_exit_signs_out_and_back_does_not_return_to_the_lesson(
    browser: Browser, live_server: str, school: School, exit_page: str,
    viewport: dict[str, int], how: str,
) -> None:
    context, page = open_page(browser, live_server, viewport)
    try:
        sign_in(page, "hs.h6.5")
        open_first_lesson(page)
        lesson_url = page.url
        signed_in_cookies = context.cookies()
        if how == "button":
            page.get_by_role("button", name="Thoát nhanh").click()
        else:
            page.keyboard.press("Escape")
        page.wait_for_url(exit_page)
        page.go_back()
        page.wait_for_load_state()
        assert page.url != lesson_url
        expect(page.get_by_role("img", name=PICTURE)).to_have_count(0)
        expect(page.get_by_label("Tên đăng nhập")).to_be_visible()  # the session is over
        page.goto("/")
        assert "/login" in page.url
        # The session itself ended on the server: its cookie, replayed, signs nobody in.
        replay, replay_page = open_page(browser, live_server, viewport)
        replay.add_cookies(signed_in_cookies)
        replay_page.goto(lesson_url)
        assert "/login" in replay_page.url
        replay.close()
    finally:
        context.close()


def test_quick_exit_without_script_still_signs_out(
    browser: Browser, live_server: str, school: School, exit_page: str
) -> None:
    context, page = open_page(browser, live_server, PHONE, javascript=False)
    try:
        sign_in(page, "hs.h6.5")
        page.get_by_role("button", name="Thoát nhanh").click()
        page.wait_for_url(exit_page)
        page.go_back()
        expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    finally:
        context.close()


def test_esc_while_typing_a_reflection_keeps_the_answer_and_the_page(
    page: Page, school: School, exit_page: str
) -> None:
    sign_in(page, "hs.h6.4")
    page.get_by_role("link", name="Em viết", exact=True).click()
    page.get_by_role("link", name=re.compile("Bắt đầu học|Học tiếp")).click()
    answer = page.locator("textarea").first
    answer.fill("Cô giáo chủ nhiệm")
    unit_url = page.url
    answer.press("Escape")
    page.wait_for_timeout(300)  # a quick exit would have blanked the page by now
    assert page.url == unit_url
    expect(answer).to_have_value("Cô giáo chủ nhiệm")
    expect(page.get_by_role("button", name="Thoát nhanh")).to_be_visible()
    # Out of the text field, Esc is the quick exit again.
    page.keyboard.press("Escape")
    page.wait_for_url(exit_page)


# ------------------------------------------------------------------- read aloud


def fake_voices(page: Page, languages: list[str], *, late: bool) -> None:
    """Give the page's speech synthesis these voices (now, or a moment later as Chrome does)."""
    voices = ", ".join(f'{{lang: "{lang}", name: "{lang}", default: false}}' for lang in languages)
    page.add_init_script(
        "(() => {"
        f"  let voices = {'[]' if late else f'[{voices}]'};"
        "  const synth = window.speechSynthesis;"
        "  synth.getVoices = () => voices;"
        f"  if ({'true' if late else 'false'}) {{"
        f"    setTimeout(() => {{ voices = [{voices}];"
        "      synth.dispatchEvent(new Event('voiceschanged')); }, 300);"
        "  }"
        "})();"
    )


@pytest.mark.parametrize(
    ("languages", "late", "shown"),
    [
        pytest.param([], False, False, id="no voice"),
        pytest.param(["en-US", "fr-FR"], True, False, id="no Vietnamese voice"),
        pytest.param(["en-US", "vi-VN"], True, True, id="Vietnamese voice loads late"),
        pytest.param(["vi_VN"], False, True, id="Android-style name"),
    ],
)
def test_read_aloud_shows_only_with_a_vietnamese_voice(
    browser: Browser, live_server: str, school: School,
    languages: list[str], late: bool, shown: bool,
) -> None:
    context, page = open_page(browser, live_server, PHONE)
    try:
        fake_voices(page, languages, late=late)
        sign_in(page, "hs.h6.3")
        open_first_lesson(page)
        button = page.get_by_role("button", name="Nghe đọc")
        if shown:
            expect(button).to_be_visible()
        else:
            page.wait_for_timeout(600)  # after the late voices arrived
            expect(button).to_be_hidden()
    finally:
        context.close()


def test_headless_chromium_without_voices_hides_read_aloud(
    browser: Browser, live_server: str, school: School
) -> None:
    context, page = open_page(browser, live_server, PHONE)
    try:
        sign_in(page, "hs.h6.3")
        open_first_lesson(page)
        has_voice = page.evaluate(
            "speechSynthesis.getVoices().some(v => /^vi([-_]|$)/i.test(v.lang))"
        )
        button = page.get_by_role("button", name="Nghe đọc")
        if has_voice:
            expect(button).to_be_visible()
        else:
            expect(button).to_be_hidden()
    finally:
        context.close()


# --------------------------------------------------------------------- the header


def test_student_header_leaves_the_lesson_picture_on_the_first_screen(
    browser: Browser, live_server: str, school: School
) -> None:
    context, page = open_page(browser, live_server, PHONE)
    try:
        sign_in(page, "hs.h6.2")
        open_first_lesson(page)
        safety = page.locator(".safety-bar").bounding_box()
        header = page.locator(".site-header").bounding_box()
        picture = page.get_by_role("img", name=PICTURE)
        box = picture.bounding_box()
        assert safety and header and box
        assert safety["height"] + header["height"] <= 0.15 * PHONE["height"]
        assert box["y"] < PHONE["height"]  # the picture starts above the fold
        assert box["y"] + box["height"] / 2 < PHONE["height"]  # and most of it shows
        # The controls are one tap away, in the "Tùy chọn" menu.
        expect(page.get_by_role("button", name="Chữ to")).to_be_hidden()
        page.get_by_text("Tùy chọn", exact=True).click()
        expect(page.get_by_role("button", name="Chữ to")).to_be_visible()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("viewport_size", VIEWPORTS)
def test_header_text_reaches_seven_to_one(
    browser: Browser, live_server: str, school: School, viewport_size: dict[str, int]
) -> None:
    context, page = open_page(browser, live_server, viewport_size)
    try:
        sign_in(page, "hs.h6.2")
        header = style(page, ".site-header", "backgroundColor")
        for selector in (".brand", ".display-menu > summary", ".display-controls button"):
            assert contrast(style(page, selector, "color"), header) >= 7, selector
        safety = style(page, ".safety-bar", "backgroundColor")
        assert contrast(style(page, ".hotline", "color"), safety) >= 7
        exit_colours = [style(page, ".quick-exit", name) for name in ("color", "backgroundColor")]
        assert contrast(*exit_colours) >= 7
        if viewport_size is DESKTOP:
            # Wide screens keep the controls in the header's row.
            expect(page.get_by_role("button", name="Chữ to")).to_be_visible()
    finally:
        context.close()


def test_header_menu_works_without_script(
    browser: Browser, live_server: str, school: School
) -> None:
    context, page = open_page(browser, live_server, DESKTOP, javascript=False)
    try:
        sign_in(page, "hs.h6.2")
        page.get_by_text("Tùy chọn", exact=True).click()
        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    finally:
        context.close()


