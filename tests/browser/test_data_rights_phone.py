"""A child's data rights on a 375 px phone, in a real browser: the parent downloads the
child's data and asks for erasure (the page asks first), the school manager sees the request
as a card with its days left and erases the child's data after the dialog."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from browser_support import sign_in
from flask import Flask
from playwright.sync_api import Browser, Dialog, Page, expect

from helpers import PASSWORD, SCHOOL_YEAR, make_test_app, reset_schema
from lms_module.db import db_session
from lms_module.families.data_rights import ERASED_NAME
from lms_module.families.models import Kinship, LinkSource
from lms_module.families.services import link_adult
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role, User
from lms_module.people.services import add_membership, create_user

PHONE = {"width": 375, "height": 667}
CHILD = "Hoàng Nguyễn Khánh Ngọc Bảo Quỳnh"


@dataclass(frozen=True)
class World:
    school_id: int
    child_id: int


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """This module's own app and database (overrides the demo app of the conftest)."""
    folder = tmp_path_factory.mktemp("data-rights")
    app = make_test_app(f"sqlite:///{folder / 'school.sqlite3'}", TRUSTED_HOSTS=["127.0.0.1"])
    reset_schema(app)
    yield app
    app.extensions["lms"].engine.dispose()


@pytest.fixture(scope="module")
def world(app: Flask) -> World:
    """A school, a class with one child, the child's mother linked, the school's manager."""
    with app.app_context():
        session = db_session()
        province = create_unit(session, kind=OrgKind.PROVINCE, code="DR-LC",
                               name="Sở GD-ĐT Lai Châu")
        school = create_unit(session, kind=OrgKind.SCHOOL, code="DR-TH",
                             name="Trường Tiểu học Tam Đường", parent=province,
                             school_level=SchoolLevel.PRIMARY)
        class_unit = create_unit(session, kind=OrgKind.CLASS, code="DR-2A", name="2A",
                                 parent=school, grade=2, school_year=SCHOOL_YEAR)
        child = create_user(session, username="dr.hs", full_name=CHILD, password=PASSWORD,
                            student_code="DR-HS-1")
        add_membership(session, child, class_unit, Role.STUDENT, school_year=SCHOOL_YEAR)
        mother = create_user(session, username="dr.me", full_name="Tòng Thị Mai",
                             password=PASSWORD)
        manager = create_user(session, username="dr.ql", full_name="Lường Văn Quản",
                              password=PASSWORD)
        add_membership(session, manager, school, Role.SCHOOL_MANAGER)
        session.flush()
        link_adult(session, mother, child, kinship=Kinship.MOTHER, source=LinkSource.LETTER)
        session.commit()
        return World(school.id, child.id)


@pytest.fixture()
def phone(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport=PHONE)
    try:
        yield context.new_page()
    finally:
        context.close()


def answer_next_dialog(page: Page, accept: bool, messages: list[str]) -> None:
    def answer(dialog: Dialog) -> None:
        messages.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)


def fits_the_phone(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def child_name(app: Flask, child_id: int) -> str:
    with app.app_context():
        return db_session().get_one(User, child_id).full_name


def test_the_parent_asks_and_the_manager_erases_on_a_phone(
    phone: Page, app: Flask, world: World
) -> None:
    page = phone
    sign_in(page, "dr.me", PASSWORD)
    page.goto(f"/children/{world.child_id}/data")
    expect(page.get_by_role("heading", name=f"Dữ liệu của em {CHILD}")).to_be_visible()
    fits_the_phone(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải toàn bộ dữ liệu của em (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert json.loads(archive.read("du-lieu.json"))["account"]["full_name"] == CHILD

    messages: list[str] = []
    answer_next_dialog(page, False, messages)
    page.get_by_role("button", name="Yêu cầu xóa dữ liệu của em").click()
    expect(page.get_by_text("Chưa có yêu cầu nào.")).to_be_visible()  # cancelled: nothing sent
    assert len(messages) == 1 and "15 ngày" in messages[0] and CHILD in messages[0]
    answer_next_dialog(page, True, messages)
    page.get_by_role("button", name="Yêu cầu xóa dữ liệu của em").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã gửi yêu cầu xóa dữ liệu")
    expect(page.get_by_text("đang chờ nhà trường xử lý")).to_be_visible()

    page.context.clear_cookies()
    sign_in(page, "dr.ql", PASSWORD)
    page.goto(f"/units/{world.school_id}/data-requests")
    row = page.locator("main table tbody tr").filter(has_text=CHILD)
    expect(row).to_contain_text("còn 15 ngày")
    fits_the_phone(page)
    cells = [row.locator("td").nth(index).bounding_box() for index in range(2)]
    assert cells[0] and cells[1] and cells[0]["x"] == cells[1]["x"]  # a card, not a wide row
    answer_next_dialog(page, False, messages)
    row.get_by_role("button", name="Xóa dữ liệu").click()
    expect(page.locator(".flash-success")).to_have_count(0)
    assert "Không hoàn tác được" in messages[-1]
    assert child_name(app, world.child_id) == CHILD
    answer_next_dialog(page, True, messages)
    row.get_by_role("button", name="Xóa dữ liệu").click()
    expect(page.locator(".flash-success")).to_contain_text(f"Đã xóa dữ liệu của em {CHILD}")
    expect(page.get_by_text("Không có yêu cầu nào đang chờ.")).to_be_visible()
    fits_the_phone(page)
    assert child_name(app, world.child_id) == ERASED_NAME
