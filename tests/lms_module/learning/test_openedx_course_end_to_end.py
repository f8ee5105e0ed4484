"""An Open edX course export, as Studio writes it, goes the whole way here: an author uploads it,
reads the import report's numbers, publishes it for a grade band, and a student of that band
answers its problems (nested, numerical, text, with hints) and completes it; the problem of an
unsupported type neither blocks completion nor counts toward the score.

Everything goes through the pages and routes a browser uses; the learner reads the question
ids and choices from the unit page, as a learner reads the screen.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers import (
    CSRF_META,
    CourseFiles,
    course_archive,
    csrf_token_from,
    open_unit,
    sign_in,
    upload_course,
)
from lms_module.learning.models import BlockUsage, Completion, Course
from lms_module.people.models import Role
from lms_module.xblock_runtime.ids import BlockKey

#: The slug Open edX's org, course and run give (org-course-run).
SLUG = "sgdlc-kns01-2026"
PNG = b"\x89PNG\r\n\x1a\nthank you"

#: The export, as Studio lays it out: course.xml points at course/<run>.xml, each block in its
#: own file; no audience or grade band (Open edX courses do not say who they are for).
EXPORT: CourseFiles = {
    "course.xml": '<course url_name="2026" org="SGDLC" course="KNS01"/>',
    "course/2026.xml": (
        '<course display_name="Em biết tự bảo vệ (Open edX)"><chapter url_name="ch1"/></course>'
    ),
    "chapter/ch1.xml": (
        '<chapter display_name="Chương 1"><sequential url_name="bai_hoc"/>'
        '<sequential url_name="luyen_tap"/></chapter>'
    ),
    "sequential/bai_hoc.xml": (
        '<sequential display_name="Bài học"><vertical url_name="mo_dau"/></sequential>'
    ),
    "vertical/mo_dau.xml": (
        '<vertical display_name="Mở đầu"><html url_name="gioi_thieu"/></vertical>'
    ),
    "html/gioi_thieu.xml": '<html filename="gioi_thieu" display_name="Giới thiệu"/>',
    "html/gioi_thieu.html": (
        '<p>Cảm ơn em! <img src="/static/thank_you.png" alt="Cảm ơn"></p>'
        '<p><a href="/jump_to_id/cau_so">Làm bài luyện tập</a></p>'
        "<script>alert('không chạy')</script>"
    ),
    "sequential/luyen_tap.xml": (
        '<sequential display_name="Luyện tập" graded="true" format="Homework">'
        '<vertical url_name="cau_hoi"/><vertical url_name="mo_rong"/></sequential>'
    ),
    "vertical/cau_hoi.xml": (
        '<vertical display_name="Câu hỏi"><problem url_name="cau_lua_chon"/>'
        '<problem url_name="cau_so"/></vertical>'
    ),
    # A choice nested in a table, checkboxes nested in a div, with Open edX hints.
    "problem/cau_lua_chon.xml": (
        '<problem display_name="Ai giúp em?" weight="2" showanswer="always">'
        "<table><tr><td><multiplechoiceresponse>"
        "<label>Khi bị bắt nạt, em gọi số nào?</label>"
        '<choicegroup type="MultipleChoice">'
        '<choice correct="false">113<choicehint>113 là số của công an.</choicehint></choice>'
        '<choice correct="true">111<choicehint>Đúng, 111 là Tổng đài bảo vệ trẻ em.</choicehint>'
        "</choice></choicegroup></multiplechoiceresponse></td></tr></table>"
        "<div><choiceresponse><label>Việc nào em nên làm?</label><checkboxgroup>"
        '<choice correct="true">Kể với người lớn em tin'
        '<choicehint selected="false">Hãy kể với người lớn em tin.</choicehint></choice>'
        '<choice correct="false">Giữ bí mật một mình'
        '<choicehint selected="true">Không nên giữ bí mật điều làm em sợ.</choicehint></choice>'
        "</checkboxgroup></choiceresponse></div>"
        "<demandhint><hint>Nghĩ đến người lớn ở trường và ở nhà.</hint></demandhint>"
        "</problem>"
    ),
    # A number within a tolerance and a text answer in any case.
    "problem/cau_so.xml": (
        '<problem display_name="Số và chữ"><numericalresponse answer="111">'
        "<label>Số Tổng đài bảo vệ trẻ em?</label>"
        '<responseparam type="tolerance" default="0"/><formulaequationinput/>'
        '</numericalresponse><stringresponse answer="Kể với cô giáo" type="ci">'
        "<label>Em làm gì đầu tiên?</label><additional_answer answer=\"Kể với thầy giáo\"/>"
        "<textline/></stringresponse></problem>"
    ),
    "vertical/mo_rong.xml": (
        '<vertical display_name="Mở rộng"><problem url_name="cau_lap_trinh"/></vertical>'
    ),
    # A type this runtime cannot grade: its text shows; it counts for nothing.
    "problem/cau_lap_trinh.xml": (
        '<problem display_name="Viết mã"><p>Viết chương trình kiểm tra mật khẩu.</p>'
        '<customresponse cfn="check"><textline/></customresponse></problem>'
    ),
    "static/thank you.png": PNG,
    "policies/2026/grading_policy.json": (
        '{"GRADER": [{"type": "Homework", "weight": 1.0}], "GRADE_CUTOFFS": {"Pass": 0.5}}'
    ),
}


def unit_id(url_name: str) -> str:
    return BlockKey(SLUG, "vertical", url_name).usage_id



@pytest.fixture
def published(client: FlaskClient, make_user: Any, tree: Any, db: Session) -> Course:
    """Upload the export as a content author, check the report, publish it for grades 1-2."""
    sign_in(client, make_user(Role.CONTENT_AUTHOR, tree["ministry"]).username)
    upload = upload_course(client, course_archive(EXPORT), "kns01.tar.gz")
    assert upload.status_code == 200, upload.get_data(as_text=True)
    draft = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    assert draft.current_version_id is None  # a draft until someone says who it is for
    publish_url = re.search(r'href="(/admin/courses/\d+/publish)"', upload.get_data(as_text=True))
    assert publish_url
    answer = client.post(publish_url.group(1), data={
        "csrf_token": csrf_token_from(client, publish_url.group(1)),
        "audience": "student", "grade_min": "1", "grade_max": "2",
    })
    assert answer.status_code == 302
    db.expire_all()  # the page's request published it
    course = db.scalars(select(Course).where(Course.slug == SLUG)).one()
    assert course.current_version is not None
    return course


def test_the_import_report_gives_the_numbers_an_author_judges_the_import_by(
    published: Course,
):
    assert published.current_version is not None
    report = published.current_version.report
    assert report["supported_types"] == {
        "course": 1, "chapter": 1, "sequential": 2, "vertical": 3, "html": 1, "problem": 3,
    }
    assert report["placeholder_types"] == {}
    assert (report["problems_answerable"], report["problems_not_answerable"]) == (2, 1)
    assert report["unsupported_responses"] == {"customresponse": 1}
    assert report["removed_elements"] == {"script": {"count": 1, "blocks": ["gioi_thieu"]}}
    assert report["missing_assets"] == {} and report["broken_links"] == {}
    assert report["kept_settings"]["pass_mark"].startswith("0.5")
    assert published.pass_mark == 0.5
    assert (published.grade_min, published.grade_max) == (1, 2)


def answer_form(page: str, problem: str) -> dict[str, dict[str, str]]:
    """Return, for each question of ``problem`` on the page: its id, kind and choices by text."""
    start = page.index(f'data-usage-id="{BlockKey(SLUG, "problem", problem).usage_id}"')
    block = page[start:]
    questions: dict[str, dict[str, str]] = {}
    for match in re.finditer(r'data-question="([^"]+)" data-kind="([^"]+)"', block):
        qid, kind = match.groups()
        if qid in questions:
            break  # the next problem's questions start again at r1
        rest = block[match.end():]
        end = rest.find("data-question=")
        choices = re.findall(
            r'value="([^"]+)"[^>]*>\s*<label for="[^"]+">(.*?)</label>',
            rest if end < 0 else rest[:end], flags=re.S,
        )
        questions[qid] = {"kind": kind} | {
            html.unescape(re.sub(r"<[^>]+>", "", text)).strip(): value for value, text in choices
        }
    return questions


def submit(client: FlaskClient, page: str, problem: str, answers: dict[str, Any]) -> Any:
    usage = BlockKey(SLUG, "problem", problem).usage_id
    token = CSRF_META.search(page)
    assert token
    return client.post(
        f"/xblock/{usage}/handler/submit",
        data=json.dumps({"answers": answers}),
        content_type="application/json",
        headers={"X-CSRFToken": token.group(1)},
    )


def test_a_student_of_the_band_answers_the_problems_and_completes_the_course(
    published: Course, client: FlaskClient, make_user: Any, tree: Any, db: Session
):
    student = make_user(Role.STUDENT, tree["class"])  # grade 2
    assert sign_in(client, student.username).status_code == 302
    assert "Em biết tự bảo vệ (Open edX)" in client.get("/courses").get_data(as_text=True)

    intro = open_unit(client, SLUG, unit_id("mo_dau")).get_data(as_text=True)
    assert f'src="/courses/{SLUG}/static/thank_you.png"' in intro  # Open edX's asset name
    jump = re.search(rf'href="(/courses/{SLUG}/jump_to_id/cau_so)"', intro)
    assert jump and "alert(" not in intro
    assert client.get(f"/courses/{SLUG}/static/thank_you.png").data == PNG
    assert client.get(jump.group(1)).headers["Location"].endswith(
        f"/courses/{SLUG}/units/{unit_id('cau_hoi')}"
    )

    page = open_unit(client, SLUG, unit_id("cau_hoi")).get_data(as_text=True)
    choice = answer_form(page, "cau_lua_chon")
    assert [q["kind"] for q in choice.values()] == ["single", "multiple"]
    (phone, todo) = choice
    # Wrong first: ticking only "keep it secret" shows both Open edX checkbox hints.
    wrong = submit(client, page, "cau_lua_chon", {
        phone: [choice[phone]["113"]], todo: [choice[todo]["Giữ bí mật một mình"]],
    }).get_json()
    assert wrong["score"] == 0
    assert "113 là số của công an." in wrong["feedback"][phone]["hint_html"]
    hints = wrong["feedback"][todo]["hint_html"]
    assert "Không nên giữ bí mật điều làm em sợ." in hints  # selected="true", chosen
    assert "Hãy kể với người lớn em tin." in hints  # selected="false", not chosen
    right = submit(client, page, "cau_lua_chon", {
        phone: [choice[phone]["111"]], todo: [choice[todo]["Kể với người lớn em tin"]],
    }).get_json()
    assert right["score"] == 1.0
    assert "Hãy kể với người lớn em tin." not in right["feedback"][todo]["hint_html"]

    numbers = answer_form(page, "cau_so")
    assert [q["kind"] for q in numbers.values()] == ["numerical", "text"]
    (number, text) = numbers
    scored = submit(client, page, "cau_so", {number: "111", text: "kể với THẦY giáo"}).get_json()
    assert scored["score"] == 1.0

    other = open_unit(client, SLUG, unit_id("mo_rong")).get_data(as_text=True)
    assert "Viết chương trình kiểm tra mật khẩu." in other
    assert "customresponse" in other and "không tính điểm" in other

    completion = db.scalars(
        select(Completion).where(Completion.user_id == student.id)
    ).one()
    assert completion.course_version_id == published.current_version_id
    assert completion.score == 1.0  # the unsupported problem counts for nothing
    weights = dict(db.execute(select(BlockUsage.url_name, BlockUsage.weight).where(
        BlockUsage.course_version_id == published.current_version_id,
        BlockUsage.block_type == "problem",
    )).all())
    assert weights == {"cau_lua_chon": 2.0, "cau_so": 1.0, "cau_lap_trinh": 0.0}


def test_a_student_outside_the_band_is_not_offered_it(
    published: Course, client: FlaskClient, make_user: Any, tree: Any
):
    student = make_user(Role.STUDENT, tree["other_class"])  # grade 3
    assert sign_in(client, student.username).status_code == 302
    assert "Em biết tự bảo vệ (Open edX)" not in client.get("/courses").get_data(as_text=True)
    assert client.get(f"/courses/{SLUG}/units/{unit_id('mo_dau')}").status_code == 403
