"""Courses load from inline OLX and from the Open edX export layout; broken files load nothing."""

from __future__ import annotations

import tarfile

import pytest
from learning_support import QUIZ, RIGHT_ANSWERS, SLUG
from sqlalchemy import func, select

from courses.content import SAMPLE_COURSE
from helpers import write_course
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import BlockUsage, Course, CourseAsset, CourseVersion
from lms_module.learning.player import learner_runtime
from lms_module.learning.services import get_course
from lms_module.xblock_runtime.olx import OlxError

EXPORT = {
    "course.xml": '<course url_name="2026_T1" org="SGDLC" course="GV01"/>',
    "course/2026_T1.xml": (
        '<course display_name="Phòng, chống bạo lực học đường" title_en="Preventing school'
        ' violence" audience="teacher" credit_periods="4" pass_mark="0.5"'
        ' validity_months="12"><chapter url_name="ch1"/></course>'
    ),
    "chapter/ch1.xml": '<chapter display_name="Nhận biết"><sequential url_name="seq1"/></chapter>',
    "sequential/seq1.xml": (
        '<sequential display_name="Bài 1"><vertical url_name="v1"/></sequential>'
    ),
    "vertical/v1.xml": (
        '<vertical display_name="Đơn vị 1"><html url_name="h1"/><problem url_name="p1"/>'
        '<drag-and-drop-v2 url_name="dnd1" display_name="Kéo thả"/></vertical>'
    ),
    "html/h1.xml": '<html filename="h1" display_name="Giới thiệu"/>',
    "html/h1.html": (
        '<p>Ba mức: phòng ngừa, hỗ trợ, can thiệp.</p><img src="/static/so-do.png" alt="Sơ đồ">'
        "<script>alert(1)</script>"
    ),
    "problem/p1.xml": (
        '<problem display_name="Câu hỏi"><multiplechoiceresponse>'
        "<label>Có mấy mức biện pháp?</label>"
        '<choicegroup type="MultipleChoice"><choice correct="false">Hai</choice>'
        '<choice correct="true">Ba<choicehint>Đúng.</choicehint></choice></choicegroup>'
        "</multiplechoiceresponse></problem>"
    ),
    "static/so-do.png": b"\x89PNG\r\n\x1a\n",
}




def test_inline_olx_loads_with_its_metadata(db, sample_course):
    assert sample_course.title_vi == "Em an toàn"
    assert sample_course.title_en == "I am safe"
    assert (sample_course.grade_min, sample_course.grade_max) == (1, 2)
    assert sample_course.pass_mark == 0.7
    assert sample_course.validity_months == 12
    report = sample_course.current_version.report
    assert report["block_types"]["vertical"] == 4
    assert report["unknown_types"] == {}


def test_export_layout_loads_pointers_html_files_problems_and_static_files(db, tmp_path):
    report = load_course(db, write_course(tmp_path / "export", EXPORT))
    assert report.course_slug == "sgdlc-gv01-2026_t1"
    course = get_course(db, report.course_slug)
    assert course.audience.value == "teacher" and course.credit_periods == 4
    types = db.scalars(
        select(BlockUsage.block_type)
        .where(BlockUsage.course_version_id == course.current_version_id)
        .order_by(BlockUsage.position)
    ).all()
    assert types == [
        "course",
        "chapter",
        "sequential",
        "vertical",
        "html",
        "problem",
        "drag-and-drop-v2",
    ]
    assert db.scalar(select(CourseAsset.path)) == "so-do.png"


def test_unknown_block_types_become_placeholders_listed_in_the_report(db, tmp_path, urls):
    report = load_course(db, write_course(tmp_path / "export", EXPORT))
    assert list(report.unknown_types) == ["drag-and-drop-v2"]
    assert "drag-and-drop-v2" in report.warnings[0]
    course = get_course(db, report.course_slug)
    runtime = learner_runtime(db, None, course, urls)
    block = runtime.get_block(report.unknown_types["drag-and-drop-v2"][0])
    html = runtime.render(block, "student_view", {}).body_html()
    assert "chưa hiển thị được" in html and "Kéo thả" in html


def test_html_from_files_is_sanitised_and_points_at_course_files(db, tmp_path, urls):
    report = load_course(db, write_course(tmp_path / "export", EXPORT))
    course = get_course(db, report.course_slug)
    runtime = learner_runtime(db, None, course, urls)
    html_id = f"block-v1:{report.course_slug}+type@html+block@h1"
    html = runtime.render(runtime.get_block(html_id), "student_view", {}).body_html()
    assert "phòng ngừa, hỗ trợ, can thiệp" in html
    assert "<script" not in html.split("cb-html", 1)[1]
    assert f'src="/courses/{SLUG}/static/so-do.png"' in html  # the stub's URL scheme


def test_a_tar_gz_export_loads_like_the_folder(db, tmp_path):
    folder = write_course(tmp_path / "course", EXPORT)
    archive = tmp_path / "export.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname="course")
    report = load_course(db, archive)
    assert report.blocks == 7


def test_malformed_xml_names_file_and_line_and_loads_nothing(db, tmp_path):
    files = {
        **EXPORT,
        "vertical/v1.xml": '<vertical display_name="x">\n<html url_name="h1">\n</vertical>',
    }
    savepoint = db.begin_nested()
    with pytest.raises(OlxError) as caught:
        load_course(db, write_course(tmp_path / "broken", files))
    savepoint.rollback()
    assert "vertical/v1.xml, dòng 3" in caught.value.message
    assert db.scalar(select(func.count()).select_from(Course)) == 0


def test_an_invalid_block_names_its_file_and_nothing_is_loaded(db, tmp_path):
    course_xml = (SAMPLE_COURSE / "course.xml").read_text(encoding="utf-8")
    broken = course_xml.replace('<option id="a" correct="true">', '<option id="a">', 1)
    folder = write_course(tmp_path / "broken", {"course.xml": broken})
    savepoint = db.begin_nested()
    with pytest.raises(OlxError) as caught:
        load_course(db, folder)
    savepoint.rollback()
    assert "Tệp course.xml, dòng" in caught.value.message
    assert "no correct option" in caught.value.message
    assert db.scalar(select(func.count()).select_from(CourseVersion)) == 0


def test_invalid_course_metadata_is_explained(db, tmp_path):
    files = {"course.xml": '<course display_name="X" audience="everyone"/>'}
    with pytest.raises(OlxError, match="audience"):
        load_course(db, write_course(tmp_path / "bad", files))


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ('validity="one year"', "validity=“one year” không hợp lệ"),
        ('validity="school_year" validity_months="12"', "chỉ đặt một trong hai"),
    ],
)
def test_invalid_validity_is_explained(db, tmp_path, attributes, message):
    files = {"course.xml": f'<course display_name="X" audience="student" {attributes}/>'}
    with pytest.raises(OlxError, match=message):
        load_course(db, write_course(tmp_path / "bad", files))


def test_school_year_validity_is_read_from_the_course_root(db, tmp_path):
    files = {"course.xml": '<course display_name="X" audience="student" validity="school_year">'
             '<chapter url_name="c"/></course>'}
    report = load_course(db, write_course(tmp_path / "ok", files))
    course = get_course(db, report.course_slug)
    assert course.valid_for_school_year and course.validity_months is None


def test_reloading_a_changed_course_makes_a_new_version_and_keeps_learner_state(
    db, sample_course, student, urls, tmp_path
):
    quiz = learner_runtime(db, student, sample_course, urls).get_block(QUIZ)
    quiz.answers = RIGHT_ANSWERS
    quiz.save()
    changed = (
        (SAMPLE_COURSE / "course.xml")
        .read_text(encoding="utf-8")
        .replace(
            'display_name="Em nhớ gì?" display_name_en',
            'display_name="Em còn nhớ gì?" display_name_en',
        )
        .replace('<vertical url_name="u4_suy_nghi"', '<vertical url_name="u5_moi"')
    )
    folder = write_course(tmp_path / "v2", {"course.xml": changed})
    (folder / "static").mkdir()
    report = load_course(db, folder, slug=SLUG)
    assert report.new_version and report.version == 2
    course = get_course(db, SLUG)
    db.refresh(course)
    fresh = learner_runtime(db, student, course, urls).get_block(QUIZ)
    assert fresh.display_name == "Em còn nhớ gì?"
    assert fresh.answers == RIGHT_ANSWERS
    ids = set(
        db.scalars(
            select(BlockUsage.usage_id).where(
                BlockUsage.course_version_id == course.current_version_id
            )
        )
    )
    assert QUIZ in ids
    assert not any("u4_suy_nghi" in i for i in ids)


def test_reloading_an_unchanged_course_adds_no_version(db, sample_course):
    report = load_course(db, SAMPLE_COURSE)
    assert not report.new_version and report.version == 1
    assert db.scalar(select(func.count()).select_from(CourseVersion)) == 1


def test_load_course_command_reports_the_new_version(runner, tmp_path):
    result = runner.invoke(args=["lms", "load-course", str(SAMPLE_COURSE)])
    assert result.exit_code == 0, result.output
    assert "phiên bản 1" in result.output
    broken = write_course(tmp_path / "b", {"course.xml": "<course display_name='x'>"})
    result = runner.invoke(args=["lms", "load-course", str(broken)])
    assert result.exit_code == 1
    assert "course.xml, dòng 1" in result.output
