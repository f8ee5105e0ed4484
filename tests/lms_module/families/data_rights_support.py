"""Helpers of the data-rights tests: two children of one class with everything the system
can hold about a child, and a parent linked to the first."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.certification.models import Certificate
from lms_module.families.models import (
    ConsentAnswer,
    ConsentRecord,
    DataRequest,
    DataRequestKind,
    Kinship,
    LinkSource,
    ParentLetter,
)
from lms_module.families.services import link_adult
from lms_module.learning.course_loader import load_course
from lms_module.learning.learner_state import SqlFieldStore
from lms_module.learning.models import BlockUsage, Course
from lms_module.learning.services import (
    complete_course_if_done,
    get_course,
    record_block_completion,
    record_grade,
    set_position,
)
from lms_module.notifications.models import Channel, NoticeKind, Notification
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User

COURSE = (
    '<course slug="{slug}" display_name="Em an toàn ở trường" title_en="Safe at school"'
    ' audience="student" grade_min="1" grade_max="5" validity="school_year">'
    "<chapter><sequential><vertical><html><p>Xin chào</p></html></vertical></sequential>"
    "</chapter></course>"
)
#: What each child wrote in a reflection (their own words are their data).
ANSWERS = {"hoa": "Em sợ chú hàng xóm ở đầu ngõ", "binh": "Em thích giờ ra chơi với bạn Lan"}


@dataclass
class Family:
    """The first child, their mother, the second child (same class), the school's people."""

    child: User
    other_child: User
    mother: User
    other_mother: User
    manager: User
    other_manager: User
    admin: User
    course: Course
    certificate: Certificate
    letter: ParentLetter
    school: OrgUnit


def load_student_course(session: Session, folder: Path, slug: str = "du-lieu-em") -> Course:
    """Load a one-block student course and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.xml").write_text(COURSE.format(slug=slug), encoding="utf-8")
    load_course(session, folder)
    session.flush()
    return get_course(session, slug)


def learn(session: Session, child: User, course: Course, answer: str) -> Certificate:
    """Leave every kind of learner state and complete the course (its certificate issued)."""
    usages = list(session.scalars(select(BlockUsage.usage_id).where(
        BlockUsage.course_version_id == course.current_version_id,
        BlockUsage.block_type == "html",
    )))
    SqlFieldStore(session).save(child.id, usages[0], "user_state", "reflection", answer)
    record_grade(session, child, course, usages[0], 1.0, 1.0)
    set_position(session, child, course, usages[0])
    for usage_id in usages:
        record_block_completion(session, child, course, usage_id, 1.0)
    completion = complete_course_if_done(session, child, course)
    assert completion is not None
    session.flush()
    return session.scalars(
        select(Certificate).where(Certificate.completion_id == completion.id)
    ).one()


def build_family(
    session: Session, tree: dict[str, OrgUnit], make_user: Callable[..., User], folder: Path
) -> Family:
    """Two children of class 2A who learned, a mother linked to each, consent, a letter."""
    child = make_user(Role.STUDENT, tree["class"], username="hs.hoa", full_name="Lò Thị Hoa",
                      student_code="HS-HOA-01", phone="0912345678", email="hoa@example.vn")
    other_child = make_user(Role.STUDENT, tree["class"], username="hs.binh",
                            full_name="Vàng A Bình", student_code="HS-BINH-02")
    mother = make_user(username="me.hoa", full_name="Tòng Thị Mai")
    other_mother = make_user(username="me.binh", full_name="Giàng Thị Sua")
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.truong",
                        full_name="Lường Văn Quản")
    other_manager = make_user(Role.SCHOOL_MANAGER, tree["other_school"], username="ql.khac",
                              full_name="Vàng A Pó")
    admin = make_user(Role.ADMIN, tree["province"], username="qt.tinh", full_name="Quản Trị")
    course = load_student_course(session, folder)
    certificate = learn(session, child, course, ANSWERS["hoa"])
    learn(session, other_child, course, ANSWERS["binh"])
    letter = ParentLetter(code="HOA2345678", child_user_id=child.id, school_id=tree["school"].id,
                          created_by_id=manager.id, expires_on=certificate.issued_on)
    session.add(letter)
    session.flush()
    link_adult(session, mother, child, kinship=Kinship.MOTHER, source=LinkSource.LETTER,
               letter=letter)
    link_adult(session, other_mother, other_child, kinship=Kinship.MOTHER,
               source=LinkSource.LETTER)
    session.add_all([
        ConsentRecord(adult_user_id=mother.id, child_user_id=child.id, letter_id=letter.id,
                      notice_version="2026-1", answer=ConsentAnswer.GIVEN),
        ConsentRecord(adult_user_id=other_mother.id, child_user_id=other_child.id,
                      notice_version="2026-1", answer=ConsentAnswer.GIVEN),
    ])
    session.add_all([
        Notification(user_id=learner.id, kind=NoticeKind.DUE_SOON, event_key="due_soon:r1:x",
                     channel=Channel.IN_APP, subject="Em còn 7 ngày", body="Em hãy học tiếp.")
        for learner in (child, other_child)
    ])
    record_event(session, "login", actor_id=child.id, subject_user_id=child.id,
                 ip="203.0.113.7", via="card")
    record_event(session, "login_failed", subject_user_id=child.id, ip="203.0.113.8",
                 username=child.username)
    record_event(session, "login_rate_limited", ip="203.0.113.9", username=child.username,
                 limit="5 per minute")
    record_event(session, "login", actor_id=other_child.id, subject_user_id=other_child.id,
                 ip="198.51.100.4", via="card")
    session.flush()
    return Family(child, other_child, mother, other_mother, manager, other_manager, admin,
                  course, certificate, letter, tree["school"])


def erasure_request(session: Session, family: Family) -> DataRequest:
    """The mother's erasure request, filed as a withdrawal of consent files it."""
    request = DataRequest(kind=DataRequestKind.ERASE, child_user_id=family.child.id,
                          school_id=family.school.id, requested_by_id=family.mother.id,
                          note="Rút lại sự đồng ý")
    session.add(request)
    session.flush()
    return request


@dataclass
class Export:
    """An export ZIP read back: its JSON, its README and its PDFs' text."""

    names: list[str]
    data: dict[str, Any]
    readme: str
    pdf_text: str
    raw: str


def read_export(blob: bytes) -> Export:
    """Open an export ZIP and read every part of it."""
    archive = zipfile.ZipFile(io.BytesIO(blob))
    names = archive.namelist()
    json_text = archive.read("du-lieu.json").decode("utf-8")
    readme = archive.read("README.txt").decode("utf-8")
    pdf_text = "\n".join(
        page.extract_text()
        for name in names if name.endswith(".pdf")
        for page in PdfReader(io.BytesIO(archive.read(name))).pages
    )
    return Export(names, json.loads(json_text), readme, pdf_text,
                  "\n".join([json_text, readme, pdf_text, *names]))
