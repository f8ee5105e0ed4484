"""The adult courses (issue 4): teachers, school staff and school managers.

Each course loads through the OLX loader with the adults' metadata, each adult role sees
exactly its own course among them, and each completes when every block is answered right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from test_course_content import CONTENT_DIR, _good_path, _handler, _loaded

from helpers import open_unit
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Audience, Completion
from lms_module.learning.services import course_units, courses_for_user, may_take_course
from lms_module.people.models import Role


@dataclass(frozen=True)
class AdultCourse:
    """What the curriculum says about one adult course."""

    folder: str
    audience: Audience
    role: Role
    credit_periods: int


ADULT_COURSES = [
    AdultCourse("giao-vien-phong-chong-bao-luc", Audience.TEACHER, Role.TEACHER, 10),
    AdultCourse("nhan-vien-truong-hoc", Audience.STAFF, Role.STAFF, 0),
    AdultCourse("trach-nhiem-can-bo-quan-ly", Audience.MANAGER, Role.SCHOOL_MANAGER, 0),
]
IDS = [c.folder for c in ADULT_COURSES]


def _folder(course: AdultCourse) -> Path:
    return CONTENT_DIR / course.folder


@pytest.mark.parametrize("adult", ADULT_COURSES, ids=IDS)
def test_adult_course_loads_with_the_adults_metadata(db, adult):
    course, blocks = _loaded(db, _folder(adult))
    assert course.slug == adult.folder
    assert course.audience is adult.audience
    assert course.pass_mark == pytest.approx(0.8)
    assert course.validity_months == 12
    assert course.credit_periods == adult.credit_periods
    assert course.grade_min is None and course.grade_max is None
    assert all(not usage.is_placeholder for usage, _block in blocks)
    assert all(b.pass_mark == pytest.approx(0.8) for u, b in blocks if u.block_type == "quiz")


def test_each_adult_role_sees_exactly_its_own_adult_course(db, make_user, tree):
    courses = {a.folder: _loaded(db, _folder(a))[0] for a in ADULT_COURSES}
    for adult in ADULT_COURSES:
        user = make_user(adult.role, tree["school"], username=f"nguoi.lon.{adult.role.value}")
        seen = [c.slug for c in courses_for_user(db, user) if c.slug in courses]
        assert seen == [adult.folder], adult.role
        for slug, course in courses.items():
            assert may_take_course(db, user, course) is (slug == adult.folder), (adult.role, slug)


def test_students_do_not_see_the_adult_courses(db, make_user, tree):
    courses = [_loaded(db, _folder(a))[0] for a in ADULT_COURSES]
    student = make_user(Role.STUDENT, tree["class"], username="hs.khong.thay")
    assert not {c.slug for c in courses} & {c.slug for c in courses_for_user(db, student)}


@pytest.mark.parametrize("adult", ADULT_COURSES, ids=IDS)
def test_adult_course_completes_when_every_block_is_answered_right(
    db, client, login, make_user, tree, adult
):
    course, blocks = _loaded(db, _folder(adult))
    learner = make_user(adult.role, tree["school"], username="nguoi.hoc.lon")
    login(learner)
    csrf = ""
    for unit in course_units(u for u, _b in blocks):
        page = open_unit(client, course.slug, unit.usage_id)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert match
        csrf = match.group(1)
    kinds = set()
    for usage, block in blocks:
        kinds.add(usage.block_type)
        if usage.block_type == "scenario":
            path = _good_path(block.steps)
            assert path, usage.url_name
            for step_id, choice_id in path:
                result = _handler(
                    client, csrf, usage.usage_id, "choose", {"step": step_id, "choice": choice_id}
                )
                assert result["good"] and result["feedback"], usage.url_name
            assert result["finished"]
        elif usage.block_type == "quiz":
            answers = {
                q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in block.questions
            }
            result = _handler(client, csrf, usage.usage_id, "submit", {"answers": answers})
            assert result["score"] == 1.0 and result["passed"], usage.url_name
        elif usage.block_type == "reflection":
            _handler(client, csrf, usage.usage_id, "save_answer", {"answer": "Thầy hiệu trưởng."})
    assert {"lesson", "scenario", "quiz"} <= kinds
    completion = db.scalar(
        select(Completion).where(
            Completion.user_id == learner.id,
            Completion.course_version_id == course.current_version_id,
        )
    )
    assert completion is not None, "every block answered right, but the course is not complete"


def test_loading_an_adult_course_again_makes_no_new_version(db):
    for adult in ADULT_COURSES:
        first = load_course(db, _folder(adult))
        again = load_course(db, _folder(adult))
        assert again.version == first.version and not again.new_version, adult.folder
