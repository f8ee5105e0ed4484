"""An Open edX export keeps what it can here and its import report names the rest: files under
Open edX's names, /jump_to_id/ links, the pass mark and graded subsections, what sanitising
drops, settings nobody keeps, missing files and broken links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers import CourseFiles, write_course
from lms_module.learning.course_loader import ImportReport, load_course
from lms_module.learning.models import BlockUsage, CourseVersion
from lms_module.learning.services import get_course
from lms_module.people.models import Role

SLUG = "sgdlc-oe01-2026"
PNG = b"\x89PNG\r\n\x1a\nthank you"

EXPORT: CourseFiles = {
    "course.xml": '<course url_name="2026" org="SGDLC" course="OE01"/>',
    "course/2026.xml": (
        '<course display_name="Lớp học an toàn" audience="teacher" language="vi"'
        ' course_image="logo.png"><chapter url_name="ch1"/><chapter url_name="ch2"/></course>'
    ),
    "chapter/ch1.xml": '<chapter display_name="Chương 1"><sequential url_name="s1"/></chapter>',
    "sequential/s1.xml": (
        '<sequential display_name="Bài chấm điểm" graded="true" format="Homework"'
        ' due="2026-12-31T00:00:00Z"><vertical url_name="v1"/></sequential>'
    ),
    "vertical/v1.xml": (
        '<vertical display_name="Trang 1"><html url_name="h1"/><problem url_name="p1"/>'
        '<drag-and-drop-v2 url_name="dnd1"/></vertical>'
    ),
    "html/h1.xml": '<html filename="h1" display_name="Giới thiệu"/>',
    "html/h1.html": (
        '<p onclick="steal()">Cảm ơn <img src="/static/thank_you.png" alt="Cảm ơn"></p>'
        '<p><a href="/jump_to_id/p2">Sang bài tập 2</a> · <a href="/jump_to_id/nowhere">x</a>'
        ' · <a href="/static/missing.pdf">tài liệu</a></p>'
        "<script>alert(1)</script><style>p {color: red}</style>"
        '<iframe src="https://example.org/video"></iframe>'
    ),
    "problem/p1.xml": (
        '<problem display_name="Câu 1" weight="2"><multiplechoiceresponse>'
        "<label>Có mấy mức biện pháp?</label>"
        '<choicegroup type="MultipleChoice"><choice correct="false">Hai</choice>'
        '<choice correct="true">Ba</choice></choicegroup></multiplechoiceresponse></problem>'
    ),
    "chapter/ch2.xml": '<chapter display_name="Chương 2"><sequential url_name="s2"/></chapter>',
    "sequential/s2.xml": (
        '<sequential display_name="Luyện tập"><vertical url_name="v2"/></sequential>'
    ),
    "vertical/v2.xml": (
        '<vertical display_name="Trang 2"><problem url_name="p2"/><problem url_name="p3"/>'
        '<markdown url_name="md1"/></vertical>'
    ),
    "problem/p2.xml": (
        '<problem display_name="Câu 2"><multiplechoiceresponse><label>Gọi số nào?</label>'
        '<choicegroup type="MultipleChoice"><choice correct="true">111</choice>'
        '<choice correct="false">113</choice></choicegroup></multiplechoiceresponse></problem>'
    ),
    "problem/p3.xml": (
        '<problem display_name="Câu 3"><p>Viết mã kiểm tra.</p><customresponse cfn="check">'
        '<textline/></customresponse></problem>'
    ),
    "markdown/md1.xml": '<markdown filename="md1" display_name="Ghi nhớ"/>',
    "markdown/md1.md": (
        "# Ghi nhớ\n\nGọi **111** khi cần giúp đỡ. ![Sơ đồ](/static/images/so%20do.png)\n"
    ),
    "static/thank you.png": PNG,
    "static/images/so do.png": b"\x89PNG\r\n\x1a\nso do",
    "policies/2026/policy.json": (
        '{"course/2026": {"display_name": "Tên trong policy", "start": "2026-09-05T00:00:00Z",'
        ' "tabs": [{"type": "courseware"}], "discussion_topics": {"Chung": {"id": "c"}},'
        ' "days_early_for_beta": null}}'
    ),
    "policies/2026/grading_policy.json": (
        '{"GRADER": [{"type": "Homework", "weight": 1.0, "min_count": 1, "drop_count": 0}],'
        ' "GRADE_CUTOFFS": {"A": 0.9, "Pass": 0.6}}'
    ),
}




@pytest.fixture
def report(db: Session, tmp_path: Path) -> ImportReport:
    loaded = load_course(db, write_course(tmp_path / "export", EXPORT))
    db.flush()
    return loaded


def test_the_report_counts_blocks_by_type_supported_and_placeholder(report):
    assert report.course_slug == SLUG
    assert report.placeholder_types == {"drag-and-drop-v2": 1}
    assert report.supported_types == {
        "course": 1, "chapter": 2, "sequential": 2, "vertical": 2,
        "html": 1, "problem": 3, "markdown": 1,
    }
    assert (report.problems_answerable, report.problems_not_answerable) == (2, 1)
    assert report.unsupported_responses == {"customresponse": 1}


def test_the_report_lists_what_sanitising_drops_with_the_block_it_came_from(report):
    assert report.removed_elements == {
        "@onclick": {"count": 1, "blocks": ["h1"]},
        "script": {"count": 1, "blocks": ["h1"]},
        "style": {"count": 1, "blocks": ["h1"]},
        "iframe": {"count": 1, "blocks": ["h1"]},
    }


def test_missing_files_and_broken_jump_links_are_listed(report):
    assert report.missing_assets == {"missing.pdf": ["h1"]}
    assert report.broken_links == {"/jump_to_id/nowhere": ["h1"]}


def test_the_lowest_grade_cutoff_becomes_the_pass_mark_and_unkept_settings_are_named(
    db, report
):
    assert get_course(db, SLUG).pass_mark == 0.6
    assert report.kept_settings["pass_mark"] == "0.6 (grading_policy.json GRADE_CUTOFFS)"
    assert "graded" in report.kept_settings
    assert report.dropped_settings == {
        "policy.json tabs": 1,
        "policy.json discussion_topics": 1,
        "grading_policy.json GRADER (Homework)": 1,
        "course language": 1,
        "course course_image": 1,
        "course start": 1,
        "sequential format": 1,
        "sequential due": 1,
    }
    # The OLX's own title wins over the policy's.
    assert get_course(db, SLUG).title_vi == "Lớp học an toàn"


def test_only_problems_in_graded_subsections_count_toward_the_score(db, report):
    course = get_course(db, SLUG)
    weights = dict(
        db.execute(
            select(BlockUsage.url_name, BlockUsage.weight).where(
                BlockUsage.course_version_id == course.current_version_id,
                BlockUsage.block_type == "problem",
            )
        ).all()
    )
    # p3 has nothing answerable: it counts for nothing at all.
    assert weights == {"p1": 2.0, "p2": 0.0, "p3": 0.0}


def test_the_stored_report_is_the_report(db, report):
    version = db.get(CourseVersion, get_course(db, SLUG).current_version_id)
    stored = ImportReport.from_stored(version.report)
    assert stored == report


def test_a_report_stored_before_these_fields_existed_still_reads(db):
    old: dict[str, Any] = {
        "course_slug": "cu", "version": 1, "new_version": True, "blocks": 3,
        "block_types": {"course": 1}, "unknown_types": {}, "assets": 0, "warnings": [],
    }
    report = ImportReport.from_stored(old)
    assert report.missing_assets == {} and report.removed_elements == {}
    assert report.problems_answerable == 0


def test_a_file_is_served_under_the_name_open_edx_gives_it_and_its_own(
    client, login, make_user, tree, report
):
    login(make_user(Role.ADMIN, tree["ministry"]))
    for name in ("thank_you.png", "thank%20you.png", "images_so_do.png", "images/so%20do.png"):
        response = client.get(f"/courses/{SLUG}/static/{name}")
        assert response.status_code == 200, name
        assert response.data.startswith(b"\x89PNG")
    assert client.get(f"/courses/{SLUG}/static/thank_you.png").data == PNG
    assert client.get(f"/courses/{SLUG}/static/missing.pdf").status_code == 404


def test_the_unit_page_links_files_and_jump_links_to_our_urls(
    client, login, make_user, tree, report
):
    login(make_user(Role.ADMIN, tree["ministry"]))
    unit = f"block-v1:{SLUG}+type@vertical+block@v1"
    page = client.get(f"/courses/{SLUG}/units/{unit}").get_data(as_text=True)
    assert f'src="/courses/{SLUG}/static/thank_you.png"' in page
    assert f'href="/courses/{SLUG}/jump_to_id/p2"' in page
    assert "/jump_to_id/p2" not in page.replace(f"/courses/{SLUG}/jump_to_id/p2", "")


def test_a_jump_link_opens_the_unit_of_its_block_and_an_unknown_one_says_so(
    client, login, make_user, tree, report
):
    login(make_user(Role.ADMIN, tree["ministry"]))
    v2 = f"/courses/{SLUG}/units/block-v1:{SLUG}+type@vertical+block@v2"
    for target in ("p2", "v2", "s2", "ch2"):
        response = client.get(f"/courses/{SLUG}/jump_to_id/{target}")
        assert response.status_code == 302, target
        assert response.headers["Location"] == v2
    missing = client.get(f"/courses/{SLUG}/jump_to_id/nowhere")
    assert missing.status_code == 404
    assert "khóa học không có nội dung này" in missing.get_data(as_text=True)


def test_two_files_with_one_open_edx_name_keep_the_first_and_warn(db, tmp_path):
    files = {**EXPORT, "static/thank_you.png": b"\x89PNG\r\n\x1a\nother"}
    report = load_course(db, write_course(tmp_path / "export", files))
    assert report.assets == 2
    assert any("thank_you.png" in w and "thank you.png" in w for w in report.warnings)


def test_markdown_xblock_imported_from_the_export_layout_renders_its_file(
    client, login, make_user, tree, report
):
    login(make_user(Role.ADMIN, tree["ministry"]))
    unit = f"block-v1:{SLUG}+type@vertical+block@v2"
    page = client.get(f"/courses/{SLUG}/units/{unit}").get_data(as_text=True)
    block = page.split('data-block-type="markdown"', 1)[1]
    assert "<strong>111</strong>" in block
    # markdown-xblock writes "/static/images/so%20do.png"; the runtime points it at the file.
    assert f'src="/courses/{SLUG}/static/images_so_do.png"' in block


def test_lms_load_course_prints_the_report(runner, tmp_path):
    result = runner.invoke(args=["lms", "load-course", str(write_course(tmp_path / "e", EXPORT))])
    assert result.exit_code == 0, result.output
    assert "Khối hiện thành ô giữ chỗ (chưa hỗ trợ): 1 <drag-and-drop-v2>" in result.output
    assert "Tệp bị thiếu: missing.pdf (trong h1)" in result.output
    assert "Liên kết hỏng: /jump_to_id/nowhere (trong h1)" in result.output
    assert "Bị bỏ khi làm sạch nội dung: 1 script (trong h1)" in result.output
    assert "Thiết lập bị bỏ: policy.json tabs" in result.output
    assert "Thiết lập được giữ: pass_mark = 0.6 (grading_policy.json GRADE_CUTOFFS)" in (
        result.output
    )


def test_course_links_are_rewritten_in_every_form_open_edx_writes_them():
    from lms_module.xblock_runtime.services import LmsReplaceUrlsService, course_asset_name

    service = LmsReplaceUrlsService(lambda name: f"/c/static/{name}", lambda n: f"/c/jump/{n}")
    html = (
        '<img src="/static/thank you.png"><a href=\'/static/a/b%20c.pdf?raw#p2\'>x</a>'
        '<div style="background: url(/static/bg.png)"></div>'
        '<a href="/jump_to_id/p2#top">p2</a>'
    )
    done = service.replace_urls(html)
    assert done == (
        '<img src="/c/static/thank_you.png"><a href=\'/c/static/a_b_c.pdf?raw#p2\'>x</a>'
        '<div style="background: url(/c/static/bg.png)"></div>'
        '<a href="/c/jump/p2#top">p2</a>'
    )
    assert service.replace_urls(done) == done
    assert course_asset_name("Sơ đồ (1).png") == "Sơ_đồ__1_.png"
