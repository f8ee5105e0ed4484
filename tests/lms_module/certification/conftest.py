"""Fixtures of the certificate tests: a school with a student, a teacher and a manager."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from certification_support import STUDENT_COURSE, TEACHER_COURSE, load_tiny_course
from sqlalchemy.orm import Session

from lms_module.learning.models import Course
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User


@pytest.fixture
def student_course(db: Session, tmp_path: Path) -> Course:
    return load_tiny_course(db, tmp_path / "student", STUDENT_COURSE, "chung-nhan-hs")


@pytest.fixture
def teacher_course(db: Session, tmp_path: Path) -> Course:
    return load_tiny_course(db, tmp_path / "teacher", TEACHER_COURSE, "chung-nhan-gv")


@pytest.fixture
def student(make_user: Callable[..., User], tree: dict[str, OrgUnit]) -> User:
    return make_user(Role.STUDENT, tree["class"], username="hs.uyen", full_name="Đặng Thị Ưng Ỹ")


@pytest.fixture
def teacher(make_user: Callable[..., User], tree: dict[str, OrgUnit]) -> User:
    return make_user(
        Role.TEACHER, tree["school"], username="gv.son", full_name="Lường Văn Sơn",
        staff_code="GV-001",
    )


@pytest.fixture
def manager(make_user: Callable[..., User], tree: dict[str, OrgUnit]) -> User:
    return make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.tam", full_name="Lò Thị Tâm")


@pytest.fixture
def other_manager(make_user: Callable[..., User], tree: dict[str, OrgUnit]) -> User:
    return make_user(
        Role.SCHOOL_MANAGER, tree["other_school"], username="ql.khac", full_name="Vàng A Pó"
    )
