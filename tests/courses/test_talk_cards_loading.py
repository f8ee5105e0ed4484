"""A course's "Cùng con trò chuyện" cards load with it: one row per unit and version, both
languages; a broken card file refuses the whole load with a Vietnamese message naming the file
and the unit, and writes nothing."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

import courses.content
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import BlockUsage, Course, CourseVersion, TalkCard
from lms_module.learning.talk_cards import CARDS_FILE, LEARNED_MAX

CONTENT_DIR = Path(courses.content.__file__).parent
GRADES_1_2 = CONTENT_DIR / "an-toan-cua-em"
SLUG = "an-toan-cua-em"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of the grades 1-2 course whose card file a test may break."""
    folder = tmp_path / SLUG
    shutil.copytree(GRADES_1_2, folder)
    return folder


def _cards_text(folder: Path) -> str:
    return (folder / CARDS_FILE).read_text(encoding="utf-8")


def _write_cards(folder: Path, text: str) -> None:
    (folder / CARDS_FILE).write_text(text, encoding="utf-8")


def _nothing_loaded(db) -> bool:
    return (
        db.scalar(select(func.count()).select_from(Course).where(Course.slug == SLUG)) == 0
        and db.scalar(select(func.count()).select_from(CourseVersion)) == 0
        and db.scalar(select(func.count()).select_from(BlockUsage)) == 0
        and db.scalar(select(func.count()).select_from(TalkCard)) == 0
    )


def test_loading_a_student_course_stores_one_card_per_unit_in_both_languages(db):
    report = load_course(db, GRADES_1_2)
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    chapters = db.scalars(
        select(BlockUsage)
        .where(BlockUsage.course_version_id == course.current_version_id,
               BlockUsage.block_type == "chapter")
        .order_by(BlockUsage.position)
    ).all()
    cards = db.scalars(
        select(TalkCard)
        .where(TalkCard.course_version_id == course.current_version_id)
        .order_by(TalkCard.position)
    ).all()
    assert report.talk_cards == len(chapters) == 4
    assert [c.unit_usage_id for c in cards] == [u.usage_id for u in chapters]
    assert [c.position for c in cards] == [0, 1, 2, 3]
    first = cards[0]
    assert first.learned_vi.startswith("Con học quy tắc đồ lót")
    assert first.learned_en.startswith("Your child learned the underwear rule")
    assert first.questions_vi == [
        "Chỗ nào trên cơ thể là chỗ riêng của con?",
        "Khi con ốm, ai được khám cho con, và lúc đó ai ở bên con?",
    ]
    assert len(first.questions_en) == 2 and first.questions_en[0].endswith("?")


def test_a_changed_card_file_makes_a_new_version_with_its_own_cards(db, course_copy):
    load_course(db, course_copy)
    assert not load_course(db, course_copy).new_version  # unchanged: the same cards
    _write_cards(course_copy, _cards_text(course_copy).replace(
        "Ở nhà và ở trường, ai là người lớn con tin cậy?",
        "Ai là người lớn con tin cậy ở nhà?",
    ))
    report = load_course(db, course_copy)
    assert report.new_version and report.version == 2 and report.talk_cards == 4
    versions = db.scalars(select(CourseVersion).order_by(CourseVersion.number)).all()
    by_version = {
        v.number: db.scalars(select(TalkCard).where(TalkCard.course_version_id == v.id)
                             .order_by(TalkCard.position)).all()
        for v in versions
    }
    assert len(by_version[1]) == len(by_version[2]) == 4
    assert by_version[1][3].questions_vi[0] == "Ở nhà và ở trường, ai là người lớn con tin cậy?"
    assert by_version[2][3].questions_vi[0] == "Ai là người lớn con tin cậy ở nhà?"


def test_a_course_without_a_card_file_loads_without_cards(db):
    report = load_course(db, courses.content.SAMPLE_COURSE)
    assert report.talk_cards == 0
    assert db.scalar(select(func.count()).select_from(TalkCard)) == 0


BROKEN = {
    "malformed XML": (
        lambda text: text.replace("</talk_cards>", ""),
        ["Tệp talk_cards.xml, dòng", "XML không hợp lệ", "chưa có gì được nạp"],
    ),
    "a third question": (
        lambda text: text.replace(
            "<question>Nếu ai chạm làm con sợ, con sẽ nói gì và chạy đến đâu?</question>",
            "<question>Nếu ai chạm làm con sợ, con sẽ nói gì và chạy đến đâu?</question>"
            "<question>Con thích chơi gì?</question>",
        ),
        ["Tệp talk_cards.xml, dòng", "thẻ của bài “c2_cham”", "cần đúng 2 câu hỏi tiếng Việt",
         "gặp 3"],
    ),
    "one English question": (
        lambda text: text.replace(
            '<question lang="en">If someone tells you to keep a scary secret, who will you tell?'
            "</question>", ""),
        ["thẻ của bài “c3_bi_mat”", "cần đúng 2 câu hỏi tiếng Anh", "gặp 1"],
    ),
    "no learned text": (
        lambda text: re.sub(r"<learned>Con học: người lớn.*?</learned>", "", text),
        ["thẻ của bài “c4_nguoi_lon”", "cần đúng một <learned> tiếng Việt", "gặp 0"],
    ),
    "an empty question": (
        lambda text: text.replace("<question>Chỗ nào trên cơ thể là chỗ riêng của con?</question>",
                                  "<question>  </question>"),
        ["thẻ của bài “c1_co_the”", "<question> đang để trống"],
    ),
    "too long for a card": (
        lambda text: text.replace(
            "Bác sĩ khám bệnh thì được, khi có bố hoặc mẹ ở bên.",
            "Bác sĩ khám bệnh thì được, khi có bố hoặc mẹ ở bên. " * 5),
        ["thẻ của bài “c1_co_the”", f"thẻ in chỉ chứa {LEARNED_MAX} ký tự"],
    ),
    "a card for a unit the course does not have": (
        lambda text: text.replace('unit="c4_nguoi_lon"', 'unit="c5_khong_co"'),
        ["thẻ của bài “c5_khong_co”", "khóa học không có bài (chapter) nào có url_name này",
         "c1_co_the, c2_cham, c3_bi_mat, c4_nguoi_lon"],
    ),
    "two cards for one unit": (
        lambda text: text.replace('unit="c4_nguoi_lon"', 'unit="c3_bi_mat"'),
        ["bài “c3_bi_mat” đã có thẻ ở dòng", "mỗi bài một thẻ"],
    ),
    "an unknown element": (
        lambda text: text.replace("<learned>Con học chạm",
                                  "<note>Ghi chú</note><learned>Con học chạm"),
        ["thẻ của bài “c2_cham”", "chỉ dùng <learned> và <question>, gặp <note>"],
    ),
    "a card without its unit": (
        lambda text: text.replace('<card unit="c2_cham">', "<card>"),
        ["thẻ <card> cần unit=“…”"],
    ),
    "a language other than Vietnamese and English": (
        lambda text: text.replace('<question lang="en">Which touches',
                                  '<question lang="fr">Which touches'),
        ["thẻ của bài “c2_cham”", "lang=“fr” không hợp lệ"],
    ),
}


@pytest.mark.parametrize("breakage", list(BROKEN), ids=list(BROKEN))
def test_a_broken_card_file_refuses_the_load_and_writes_nothing(db, runner, course_copy, breakage):
    change, expected = BROKEN[breakage]
    broken = change(_cards_text(course_copy))
    assert broken != _cards_text(course_copy)
    _write_cards(course_copy, broken)
    result = runner.invoke(args=["lms", "load-course", str(course_copy)])
    assert result.exit_code == 1, result.output
    for phrase in expected:
        assert phrase in result.output, (phrase, result.output)
    assert _nothing_loaded(db)


def test_cards_on_a_course_that_is_not_for_students_are_refused(db, runner, tmp_path):
    folder = tmp_path / "nhan-vien"
    shutil.copytree(CONTENT_DIR / "nhan-vien-truong-hoc", folder)
    shutil.copy(GRADES_1_2 / CARDS_FILE, folder / CARDS_FILE)
    result = runner.invoke(args=["lms", "load-course", str(folder)])
    assert result.exit_code == 1
    assert "chỉ dành cho khóa học của học sinh" in result.output
    assert db.scalar(select(func.count()).select_from(CourseVersion)) == 0
    assert db.scalar(select(func.count()).select_from(TalkCard)) == 0
