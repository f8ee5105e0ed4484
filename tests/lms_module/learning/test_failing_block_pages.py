"""A failing block, or one whose package was removed or newly installed, never makes a learner's
page a 500: the unit shows a placeholder in its place, a failing handler answers JSON."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.fields import Integer, Scope, String

from helpers import CSRF_META, open_unit
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import LearnerFieldValue
from lms_module.people.models import User
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "khoi-thu"
COURSE = (
    f'<course slug="{SLUG}" display_name="Khối thử" audience="student" grade_min="1"'
    ' grade_max="5"><chapter><sequential><vertical url_name="v1">'
    '<html url_name="h1"><p>Gọi 111 khi cần giúp đỡ</p></html>'
    '<{tag} url_name="b1" display_name="Khối mới" greeting="Chào các em"/>'
    "</vertical></sequential></chapter></course>"
)
UNIT = BlockKey(SLUG, "vertical", "v1").usage_id
PLACEHOLDER = "Nội dung này chưa hiển thị được"
FAILED = "Phần nội dung này đang bị lỗi nên chưa hiển thị được."


class GreetingBlock(XBlock):  # type: ignore[misc]
    """A block from a package that comes and goes."""

    display_name = String(default="", scope=Scope.settings, help="Title.")
    greeting = String(default="Xin chào", scope=Scope.content, help="What it shows.")

    def student_view(self, context: Any = None) -> Fragment:
        return Fragment(f"<p>Lời chào: {self.greeting}</p>")


class FaultyBlock(XBlock):  # type: ignore[misc]
    """A block whose view and handler raise, after the handler saved a value."""

    display_name = String(default="", scope=Scope.settings, help="Title.")
    greeting = String(default="", scope=Scope.content, help="Unused.")
    clicks = Integer(default=0, scope=Scope.user_state, help="Clicks saved before failing.")

    def student_view(self, context: Any = None) -> Fragment:
        frag = Fragment("<p>never shown</p>")
        frag.add_css(".faulty { color: red; }")
        raise RuntimeError("the view's bug")

    @XBlock.json_handler  # type: ignore[misc]
    def click(self, data: Any, suffix: str = "") -> dict[str, Any]:
        self.clicks += 1
        self.save()
        raise RuntimeError("the handler's bug")


def load(db: Session, tmp_path: Path, tag: str) -> None:
    (tmp_path / "course.xml").write_text(COURSE.format(tag=tag), encoding="utf-8")
    load_course(db, tmp_path)
    db.flush()


@pytest.fixture
def signed_in(login: Callable[[User], FlaskClient], student: User) -> FlaskClient:
    return login(student)


def test_a_unit_whose_block_raises_shows_a_placeholder_and_its_view_is_recorded(
    db: Session, tmp_path: Path, signed_in: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    def scenario() -> str:
        load(db, tmp_path, "faulty")
        with caplog.at_level(logging.ERROR, logger="lms_module.xblock_runtime.failsafe"):
            page = open_unit(signed_in, SLUG, UNIT)  # the page, then the view recorded: 200s
        inline = signed_in.get(f"/xblock/{BlockKey(SLUG, 'faulty', 'b1').usage_id}/inline/"
                               f"{'0' * 64}.css")
        assert inline.status_code == 404
        return str(page.get_data(as_text=True))

    body = XBlock.register_temp_plugin(FaultyBlock, "faulty")(scenario)()

    assert "Gọi 111 khi cần giúp đỡ" in body
    assert FAILED in body and "Khối mới" in body
    assert any(BlockKey(SLUG, "faulty", "b1").usage_id in r.getMessage() for r in caplog.records)


def test_a_handler_that_raises_answers_json_and_keeps_nothing_it_wrote(
    db: Session, tmp_path: Path, signed_in: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    usage_id = BlockKey(SLUG, "faulty", "b1").usage_id

    def scenario() -> Any:
        load(db, tmp_path, "faulty")
        page = signed_in.get(f"/courses/{SLUG}/units/{UNIT}").get_data(as_text=True)
        token = CSRF_META.search(page)
        assert token
        with caplog.at_level(logging.ERROR, logger="lms_module.xblock_runtime.failsafe"):
            return signed_in.post(
                f"/xblock/{usage_id}/handler/click",
                data="{}",
                headers={"Content-Type": "application/json", "X-CSRFToken": token.group(1)},
            )

    answer = XBlock.register_temp_plugin(FaultyBlock, "faulty")(scenario)()

    assert answer.status_code == 500
    assert answer.get_json()["error"].startswith("Nội dung “faulty” gặp lỗi")
    assert db.scalar(select(func.count()).select_from(LearnerFieldValue)) == 0
    assert any(usage_id in r.getMessage() and r.exc_info for r in caplog.records)


def test_removing_a_block_package_leaves_its_course_open_with_a_placeholder(
    db: Session, tmp_path: Path, signed_in: FlaskClient
) -> None:
    XBlock.register_temp_plugin(GreetingBlock, "greeting")(lambda: load(db, tmp_path, "greeting"))()

    page = open_unit(signed_in, SLUG, UNIT).get_data(as_text=True)  # the package is gone

    assert "Gọi 111 khi cần giúp đỡ" in page
    assert PLACEHOLDER in page and "Khối mới" in page and "(greeting)" in page


def test_installing_the_package_of_an_unknown_block_shows_it_in_an_existing_course(
    db: Session, tmp_path: Path, signed_in: FlaskClient
) -> None:
    load(db, tmp_path, "greeting")  # no package provides <greeting> yet
    before = open_unit(signed_in, SLUG, UNIT).get_data(as_text=True)

    after = XBlock.register_temp_plugin(GreetingBlock, "greeting")(
        lambda: open_unit(signed_in, SLUG, UNIT).get_data(as_text=True)
    )()

    assert PLACEHOLDER in before
    # Loaded as a placeholder, it kept its OLX, not its fields: the block shows its defaults.
    assert "Lời chào: Xin chào" in after and PLACEHOLDER not in after
    assert "Gọi 111 khi cần giúp đỡ" in after


class DatabaseDownBlock(XBlock):  # type: ignore[misc]
    """A block whose view meets an unreachable database."""

    display_name = String(default="", scope=Scope.settings, help="Title.")
    greeting = String(default="", scope=Scope.content, help="Unused.")

    def student_view(self, context: Any = None) -> Fragment:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


def test_a_database_error_in_a_view_is_the_lms_try_again_page_not_a_placeholder(
    db: Session, tmp_path: Path, signed_in: FlaskClient
) -> None:
    def scenario() -> Any:
        load(db, tmp_path, "dbdown")
        return signed_in.get(f"/courses/{SLUG}/units/{UNIT}")

    response = XBlock.register_temp_plugin(DatabaseDownBlock, "dbdown")(scenario)()
    assert response.status_code == 503
    assert FAILED not in response.get_data(as_text=True)


def test_a_block_whose_installed_package_cannot_be_imported_is_a_placeholder_in_the_report(
    db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real distribution on the path whose xblock.v1 entry point fails to import, as a
    # package built for another Open edX release would.
    site = tmp_path / "site"
    (site / "hong_xblock-1.0.dist-info").mkdir(parents=True)
    (site / "hong_xblock-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: hong-xblock\nVersion: 1.0\n", encoding="utf-8"
    )
    (site / "hong_xblock-1.0.dist-info" / "entry_points.txt").write_text(
        "[xblock.v1]\nhongxblock = hong_xblock:HongBlock\n", encoding="utf-8"
    )
    (site / "hong_xblock.py").write_text(
        "raise ImportError('cannot import name WEIGHT from xmodule')\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "course.xml").write_text(
        COURSE.format(tag="hongxblock"), encoding="utf-8"
    )
    report = load_course(db, tmp_path / "course")
    assert report.placeholder_types == {"hongxblock": 1}
    assert "hongxblock" not in report.supported_types
    assert report.unknown_types == {}  # installed, found, broken: not an unknown tag
