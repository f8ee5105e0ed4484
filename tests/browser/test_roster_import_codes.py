"""A school manager imports two class lists through a real browser, on a 375 px phone and on a
desktop screen: one with the school's own alphanumeric codes, one with no code column at all
(the preview says the system will make the codes); both end in the class's student list."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from browser_support import sign_in
from flask import Flask
from openpyxl import Workbook
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from helpers import PASSWORD, SCHOOL_YEAR
from lms_module.db import db_session
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def school(app: Flask) -> Iterator[int]:
    """A primary school of its own (under its own province) and its manager."""
    with app.app_context():
        session = db_session()
        province = create_unit(session, kind=OrgKind.PROVINCE, code="RC-SO",
                               name="Sở GD-ĐT Phong Thổ")
        unit = create_unit(session, kind=OrgKind.SCHOOL, code="RC-TH-PT", parent=province,
                           name="Trường Tiểu học Pa Tần", school_level=SchoolLevel.PRIMARY)
        manager = create_user(session, username="ql.patan", full_name="Lò Thị Mai",
                              password=PASSWORD)
        add_membership(session, manager, unit, Role.SCHOOL_MANAGER, school_year=SCHOOL_YEAR)
        session.commit()
        yield unit.id


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH HỌC SINH NĂM HỌC 2026-2027"])  # a title above the table
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def class_id(app: Flask, school_id: int, name: str) -> int:
    with app.app_context():
        return db_session().scalars(select(OrgUnit.id).where(
            OrgUnit.parent_id == school_id, OrgUnit.kind == OrgKind.CLASS, OrgUnit.name == name,
        )).one()


def upload_and_confirm(page: Page, name: str, data: bytes, new: int, width: int) -> None:
    page.get_by_role("link", name="Nhập danh sách (Excel/CSV)").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập danh sách từ Excel")
    expect(page.get_by_label("Học sinh", exact=True)).to_be_checked()
    page.get_by_label("Tệp danh sách (Excel .xlsx hoặc .csv)").set_input_files(
        {"name": name, "mimeType": XLSX, "buffer": data}
    )
    page.get_by_role("button", name="Tải lên và xem trước").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Xem trước: {name}")
    expect(page.get_by_role("status")).to_contain_text(f"{new} thêm mới")
    if width == 375:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 375, f"the preview is {scroll_width} px wide on a 375 px phone"


@pytest.mark.parametrize("width", [375, 1280])
def test_manager_imports_a_list_with_school_codes_and_one_without_codes(
    browser: Browser, live_server: str, app: Flask, school: int, width: int
) -> None:
    context = browser.new_context(
        base_url=live_server, locale="vi-VN", viewport={"width": width, "height": 800}
    )
    coded_class, plain_class = ("4K", "5K") if width == 375 else ("4M", "5M")
    try:
        page = context.new_page()
        sign_in(page, "ql.patan", PASSWORD)

        # The school's own codes, typed in lower case: stored in capitals.
        coded = workbook([
            ["STT", "Mã học sinh", "Họ và tên", "Lớp"],
            [1, f"hs{width}-01", "Lò Văn Phong", coded_class],
            [2, f"hs{width}_02", "Tẩn Thị Mẩy", coded_class],
        ])
        upload_and_confirm(page, f"lop-{coded_class}.xlsx", coded, 2, width)
        expect(page.locator("#made-codes")).to_have_count(0)
        expect(page.locator("main table").last).to_contain_text(f"HS{width}-01")
        page.get_by_role("button", name="Xác nhận nhập").click()
        expect(page.locator("main")).to_contain_text("Đã nhập xong: 2 thêm mới")

        # STT, Họ và tên, Lớp only: the preview says the codes will be made.
        plain = workbook([
            ["STT", "Họ và tên", "Lớp"],
            [1, "Giàng A Páo", plain_class],
            [2, "Lý Thị Sao", plain_class],
            [3, "Giàng A Páo", plain_class],
        ])
        page.goto("/")
        upload_and_confirm(page, f"lop-{plain_class}.xlsx", plain, 3, width)
        note = page.locator("#made-codes")
        expect(note).to_contain_text("Tệp không có cột mã: hệ thống sẽ tự tạo mã")
        expect(note).to_contain_text("giữ đúng họ tên và tên lớp như lần nhập trước")
        expect(note).to_contain_text(f"Giàng A Páo (lớp {plain_class})")
        page.get_by_role("button", name="Xác nhận nhập").click()
        expect(page.locator("main")).to_contain_text("Đã nhập xong: 3 thêm mới")

        page.goto(f"/units/{class_id(app, school, coded_class)}")
        students = page.locator("main table", has=page.locator("caption", has_text="học sinh"))
        rows = students.locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(students).to_contain_text(f"HS{width}_02")
        expect(students).to_contain_text("Tẩn Thị Mẩy")

        page.goto(f"/units/{class_id(app, school, plain_class)}")
        expect(rows).to_have_count(3)
        expect(rows.filter(has_text="Giàng A Páo")).to_have_count(2)
        expect(rows.first).to_contain_text("TD26-")

        # The same list again: nobody new.
        page.goto("/")
        upload_and_confirm(page, f"lop-{plain_class}-lai.xlsx", plain, 0, width)
        expect(page.get_by_role("status")).to_contain_text("3 không đổi")
    finally:
        context.close()
