"""Simultaneous completions on PostgreSQL: one certificate each, serials without duplicates."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from certification_support import STUDENT_COURSE
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from lms_module.audit.models import AuditEvent
from lms_module.certification.models import Certificate, CertificateSequence
from lms_module.db import Base
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import (
    BlockCompletion,
    BlockUsage,
    Completion,
    Course,
    CourseVersion,
    SharedFieldValue,
)
from lms_module.learning.services import (
    complete_course_if_done,
    get_course,
    record_block_completion,
)
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, create_user

SLUG = "dong-thoi"


def _run_together(count: int, work) -> None:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []


@pytest.mark.postgresql_only
def test_simultaneous_completions_issue_one_certificate_each_with_distinct_serials(
    app: Flask, tmp_path: Path
):
    engine = app.extensions["lms"].engine
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    (tmp_path / "course.xml").write_text(STUDENT_COURSE.format(slug=SLUG), encoding="utf-8")
    with factory() as session:
        load_course(session, tmp_path)
        province = create_unit(
            session, kind=OrgKind.PROVINCE, code="CC-P", name="Sở GD-ĐT Lai Châu"
        )
        school = create_unit(
            session, kind=OrgKind.SCHOOL, code="CC-S", name="Trường Tiểu học Song Song",
            parent=province, school_level=SchoolLevel.PRIMARY,
        )
        class_unit = create_unit(
            session, kind=OrgKind.CLASS, code="CC-C", name="1A", parent=school, grade=1,
            school_year="2026-2027",
        )
        users = []
        for index in range(4):
            user = create_user(session, username=f"cc.hs{index}", full_name=f"Lê Văn Ư{index}")
            add_membership(session, user, class_unit, Role.STUDENT, school_year="2026-2027")
            users.append(user)
        session.flush()
        course = get_course(session, SLUG)
        html_id = session.scalars(
            select(BlockUsage.usage_id).where(
                BlockUsage.course_version_id == course.current_version_id,
                BlockUsage.block_type == "html",
            )
        ).one()
        for user in users:
            record_block_completion(session, user, course, html_id, 1.0)
        session.commit()
        ids = {
            "users": [u.id for u in users], "course": course.id,
            "units": [class_unit.id, school.id, province.id],
        }

    def finish(user_id: int) -> None:
        with factory() as session:
            complete_course_if_done(
                session, session.get_one(User, user_id), session.get_one(Course, ids["course"])
            )
            session.commit()

    try:
        # The same learner twice at once (a double submission): one completion, one certificate.
        _run_together(2, lambda _index: finish(ids["users"][0]))
        # Three learners of one school at once: three certificates, three different numbers.
        _run_together(3, lambda index: finish(ids["users"][index + 1]))
        with factory() as session:
            certificates = session.scalars(
                select(Certificate).where(Certificate.user_id.in_(ids["users"]))
            ).all()
            per_user = sorted(c.user_id for c in certificates)
            assert per_user == sorted(ids["users"])
            assert sorted(c.number for c in certificates) == [1, 2, 3, 4]
            assert len({c.serial for c in certificates}) == 4
    finally:
        _clean_up(factory, ids)


def _clean_up(factory: sessionmaker[Session], ids: dict) -> None:
    with factory() as session:
        users = ids["users"]
        session.execute(delete(Certificate).where(Certificate.user_id.in_(users)))
        session.execute(
            delete(CertificateSequence).where(CertificateSequence.org_unit_id.in_(ids["units"]))
        )
        session.execute(delete(AuditEvent).where(AuditEvent.subject_user_id.in_(users)))
        session.execute(delete(Completion).where(Completion.user_id.in_(users)))
        session.execute(delete(BlockCompletion).where(BlockCompletion.user_id.in_(users)))
        session.execute(
            delete(SharedFieldValue).where(SharedFieldValue.block_scope_id.contains(SLUG))
        )
        course = session.get_one(Course, ids["course"])
        course.current_version_id = None
        session.flush()
        versions = select(CourseVersion.id).where(CourseVersion.course_id == ids["course"])
        session.execute(delete(BlockUsage).where(BlockUsage.course_version_id.in_(versions)))
        session.execute(delete(CourseVersion).where(CourseVersion.course_id == ids["course"]))
        session.execute(delete(Course).where(Course.id == ids["course"]))
        session.execute(delete(Membership).where(Membership.user_id.in_(users)))
        # Other areas (coverage rollups...) may keep rows about these people and units.
        _delete_references(session, "lms_user", users)
        _delete_references(session, "lms_org_unit", ids["units"])
        session.execute(delete(User).where(User.id.in_(users)))
        for unit_id in ids["units"]:
            session.execute(delete(OrgUnit).where(OrgUnit.id == unit_id))
        session.commit()


def _delete_references(session: Session, table_name: str, ids: list[int]) -> None:
    """Delete the rows of any table that point at ``ids`` of ``table_name``."""
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in (table_name, "lms_org_unit", "lms_user"):
            continue
        for column in table.columns:
            if any(fk.column.table.name == table_name for fk in column.foreign_keys):
                session.execute(table.delete().where(column.in_(ids)))
