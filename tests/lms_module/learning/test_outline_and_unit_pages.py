"""The outline follows the curriculum (Bài, then its pages); a unit page has one h1, says its
title once, and its progress bar counts what the outline ticks; a finished course says "Xem lại"."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from learning_support import SLUG, UNITS
from lxml import html
from sqlalchemy.orm import Session

from helpers import CSRF_META, open_unit
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Course
from lms_module.learning.services import get_course
from lms_module.people.models import User
from lms_module.xblock_runtime.ids import BlockKey

COURSE_SLUG = "cau-truc-bai"
#: Two chapters ("Bài"); the second has two sequentials. Each page's title is also the title
#: of its first block (as in the curriculum), except the reflection's.
COURSE = f"""
<course slug="{COURSE_SLUG}" display_name="Cấu trúc bài học" audience="student" grade_min="1"
        grade_max="5" pass_mark="0">
  <chapter url_name="c1" display_name="Bài 1. Cơ thể của em" display_name_en="Lesson 1. My body">
    <sequential url_name="s1" display_name="Cơ thể của em">
      <vertical url_name="v1" display_name="Mục tiêu" display_name_en="Objectives">
        <lesson url_name="l1" display_name="Mục tiêu"><text>Cơ thể em là của em.</text></lesson>
      </vertical>
      <vertical url_name="v2" display_name="Quy tắc đồ lót">
        <html url_name="h2"><p>Không ai được chạm vào chỗ đồ lót che kín.</p></html>
      </vertical>
      <vertical url_name="v3" display_name="Người lớn em tin cậy">
        <reflection url_name="r3" display_name="Em viết ra">
          <prompt>Hãy viết tên một người lớn em tin cậy.</prompt>
        </reflection>
      </vertical>
    </sequential>
  </chapter>
  <chapter url_name="c2" display_name="Bài 2. Nói “Không!”">
    <sequential url_name="s2a" display_name="Em học">
      <vertical url_name="v4" display_name="Nói “Không!”">
        <lesson url_name="l4" display_name="Nói “Không!”"><text>Em nói to: “Không!”</text></lesson>
      </vertical>
      <vertical url_name="v5" display_name="Chạy đi">
        <html url_name="h5"><p>Em chạy ra chỗ có người lớn.</p></html>
      </vertical>
    </sequential>
    <sequential url_name="s2b" display_name="Em luyện tập">
      <vertical url_name="v6" display_name="Kể với người lớn">
        <html url_name="h6"><p>Em kể với người lớn em tin cậy, hoặc gọi 111.</p></html>
      </vertical>
    </sequential>
  </chapter>
</course>
"""
PAGES = ["v1", "v2", "v3", "v4", "v5", "v6"]
REFLECTION = BlockKey(COURSE_SLUG, "reflection", "r3").usage_id


def unit_id(name: str) -> str:
    return BlockKey(COURSE_SLUG, "vertical", name).usage_id


@pytest.fixture
def course(db: Session, tmp_path: Path) -> Course:
    (tmp_path / "course.xml").write_text(COURSE, encoding="utf-8")
    load_course(db, tmp_path)
    db.flush()
    return get_course(db, COURSE_SLUG)


def page_tree(client: FlaskClient, path: str) -> html.HtmlElement:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return html.fromstring(response.get_data(as_text=True))


def text_of(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def outline_of(client: FlaskClient, slug: str) -> list[tuple[str, list[tuple[int, str, bool]]]]:
    """Return the outline as (chapter heading, [(number, page title, ticked)])."""
    nav = page_tree(client, f"/courses/{slug}").xpath("//nav[@aria-label='Mục lục khóa học']")[0]
    chapters = []
    for section in nav.xpath(".//section"):
        pages = []
        for ordered in section.xpath(".//ol"):
            start = int(ordered.get("start", "1"))
            for offset, item in enumerate(ordered.xpath("./li")):
                ticked = bool(item.xpath(".//*[contains(@class, 'done')]"))
                pages.append((start + offset, text_of(item.xpath("./a")[0]), ticked))
        chapters.append((text_of(section.xpath("./h2")[0]), pages))
    return chapters


def unit_progress(client: FlaskClient, slug: str, usage_id: str) -> tuple[int, int]:
    bars = page_tree(client, f"/courses/{slug}/units/{usage_id}").xpath("//progress")
    assert len(bars) == 1, "a unit page shows one progress bar: the course's"
    return int(bars[0].get("value")), int(bars[0].get("max"))


def save_reflection(client: FlaskClient, answer: str) -> None:
    page = client.get(f"/courses/{COURSE_SLUG}/units/{unit_id('v3')}").get_data(as_text=True)
    token = CSRF_META.search(page)
    assert token
    response = client.post(
        f"/xblock/{REFLECTION}/handler/save_answer", json={"answer": answer},
        headers={"X-CSRFToken": token.group(1)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_the_outline_lists_each_chapter_with_its_pages_numbered_from_one(
    login: Callable[[User], FlaskClient], student: User, course: Course, client: FlaskClient
) -> None:
    login(student)
    assert outline_of(client, COURSE_SLUG) == [
        ("Bài 1. Cơ thể của em", [
            (1, "Mục tiêu", False),
            (2, "Quy tắc đồ lót", False),
            (3, "Người lớn em tin cậy", False),
        ]),
        ("Bài 2. Nói “Không!”", [
            (1, "Nói “Không!”", False), (2, "Chạy đi", False), (3, "Kể với người lớn", False),
        ]),
    ]
    tree = page_tree(client, f"/courses/{COURSE_SLUG}")
    # A chapter's only sequential repeats its title and gets no heading; a chapter of two
    # sequentials shows both; neither is ever a numbered entry.
    assert [text_of(h) for h in tree.xpath("//nav//h3")] == ["Em học", "Em luyện tập"]
    assert "Cơ thể của em" not in [text_of(li) for li in tree.xpath("//nav//li")]
    assert len(tree.xpath("//nav//li")) == len(PAGES)


def test_check_marks_carry_visually_hidden_text_not_an_aria_label(
    login: Callable[[User], FlaskClient], student: User, course: Course, client: FlaskClient
) -> None:
    login(student)
    open_unit(client, COURSE_SLUG, unit_id("v1"))
    tree = page_tree(client, f"/courses/{COURSE_SLUG}")
    marks = tree.xpath("//nav//*[contains(concat(' ', @class, ' '), ' done ')]")
    assert len(marks) == 1
    assert marks[0].xpath(".//*[@aria-hidden='true']")[0].text == "✔"
    assert [text_of(e) for e in marks[0].xpath(".//*[@class='visually-hidden']")] == ["Đã xong"]
    assert tree.xpath("//span[@aria-label]") == []


@pytest.mark.parametrize("name", PAGES)
def test_every_unit_page_has_one_h1_its_title_and_says_it_once(
    name: str,
    login: Callable[[User], FlaskClient],
    student: User,
    course: Course,
    client: FlaskClient,
) -> None:
    login(student)
    tree = page_tree(client, f"/courses/{COURSE_SLUG}/units/{unit_id(name)}")
    h1s = tree.xpath("//h1")
    assert len(h1s) == 1
    title = text_of(h1s[0])
    headings = [text_of(h) for h in tree.xpath("//h2 | //h3 | //h4 | //h5 | //h6")]
    assert title not in headings  # no block repeats the page's title
    if name == "v3":
        assert headings == ["Em viết ra"]  # a block of another title keeps it, under the h1
        assert tree.xpath("//h2[@class='cb-title']")


def test_the_sample_courses_unit_pages_have_one_h1_each(
    login: Callable[[User], FlaskClient], student: User, sample_course: Course,
    client: FlaskClient,
) -> None:
    login(student)
    for usage_id in UNITS:
        tree = page_tree(client, f"/courses/{SLUG}/units/{usage_id}")
        assert len(tree.xpath("//h1")) == 1, usage_id


def test_the_unit_page_names_its_chapter_and_its_page_in_the_chapter(
    login: Callable[[User], FlaskClient], student: User, course: Course, client: FlaskClient
) -> None:
    login(student)
    tree = page_tree(client, f"/courses/{COURSE_SLUG}/units/{unit_id('v5')}")
    crumbs = text_of(tree.xpath("//nav[@aria-label='Vị trí']")[0])
    assert "Bài 2. Nói “Không!”" in crumbs and "Trang 2/3" in crumbs
    assert text_of(tree.xpath("//h1")[0]) == "Chạy đi"


def test_the_progress_bar_in_a_unit_counts_the_pages_the_outline_ticks(
    login: Callable[[User], FlaskClient], student: User, course: Course, client: FlaskClient
) -> None:
    login(student)
    for name in ("v1", "v2", "v4"):
        open_unit(client, COURSE_SLUG, unit_id(name))

    def ticks() -> tuple[int, int]:
        pages = [page for _h, pages in outline_of(client, COURSE_SLUG) for page in pages]
        return sum(1 for page in pages if page[2]), len(pages)

    assert ticks() == (3, 6)
    # The reflection's page is not done by viewing it: the same 3 of 6 there...
    assert unit_progress(client, COURSE_SLUG, unit_id("v3")) == (3, 6)
    save_reflection(client, "Cô Hoa")
    # ... and once it is saved, 4 of 6, in the unit, the outline and the course list alike.
    assert unit_progress(client, COURSE_SLUG, unit_id("v3")) == (4, 6)
    assert ticks() == (4, 6)
    outline_bar = page_tree(client, f"/courses/{COURSE_SLUG}").xpath("//progress")[0]
    assert (outline_bar.get("value"), outline_bar.get("max")) == ("4", "6")
    card = page_tree(client, "/courses").xpath("//li[@class='course-card']")[0]
    assert "4/6 trang đã xong" in text_of(card)


def test_a_finished_course_says_xem_lai_instead_of_hoc_tiep(
    login: Callable[[User], FlaskClient], student: User, course: Course, client: FlaskClient
) -> None:
    login(student)
    open_unit(client, COURSE_SLUG, unit_id("v1"))
    started = page_tree(client, "/courses")
    assert [text_of(a) for a in started.xpath("//a[@class='button']")] == ["Học tiếp"]

    for name in PAGES:
        open_unit(client, COURSE_SLUG, unit_id(name))
    save_reflection(client, "Mẹ em")

    for path in ("/courses", "/"):
        buttons = page_tree(client, path).xpath("//li[@class='course-card']//a[@class='button']")
        assert [text_of(a) for a in buttons] == ["Xem lại"], path
        assert buttons[0].get("href") == f"/courses/{COURSE_SLUG}"  # the outline: pick a page
    outline = page_tree(client, f"/courses/{COURSE_SLUG}")
    review = outline.xpath("//main//a[@class='button']")
    assert [text_of(a) for a in review] == ["Xem lại"]
    assert review[0].get("href") == f"/courses/{COURSE_SLUG}/units/{unit_id('v1')}"
    assert "Em đã hoàn thành khóa học này." in text_of(outline)
    assert not re.search(r"Học tiếp|Bắt đầu học", text_of(outline))


def test_an_english_reader_sees_the_chapters_and_pages_by_their_english_titles(
    login: Callable[[User], FlaskClient], student: User, course: Course, client: FlaskClient
) -> None:
    """Titles a block has in English are used in English; the others fall back to Vietnamese."""
    login(student)
    english = {"Accept-Language": "en"}
    outline = html.fromstring(client.get(f"/courses/{COURSE_SLUG}", headers=english).data)
    assert [text_of(h) for h in outline.xpath("//nav//h2")] == [
        "Lesson 1. My body", "Bài 2. Nói “Không!”"]
    assert text_of(outline.xpath("//nav//li/a")[0]) == "Objectives"
    unit = client.get(f"/courses/{COURSE_SLUG}/units/{unit_id('v2')}", headers=english)
    crumbs = html.fromstring(unit.data).xpath("//nav[contains(@class, 'breadcrumb')]")
    breadcrumb = text_of(crumbs[0])
    assert "Lesson 1. My body" in breadcrumb and "Bài 1" not in breadcrumb
    vietnamese = html.fromstring(client.get(f"/courses/{COURSE_SLUG}").data)
    assert text_of(vietnamese.xpath("//nav//h2")[0]) == "Bài 1. Cơ thể của em"
