"""Recording a session held in person: attendance completes the course, the certificate is
issued by the school, nobody is counted twice, refusals write nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from in_person_support import CLOCK, HELD_ON, count
from sqlalchemy import select
from teaching import TODAY

from helpers import SCHOOL_YEAR
from lms_module.audit.models import AuditEvent
from lms_module.certification.models import Certificate
from lms_module.coverage.figures import ReportScope, direct_subtree_figures
from lms_module.families.models import Kinship, LinkSource, ParentLink
from lms_module.families.services import link_adult
from lms_module.in_person.models import InPersonAttendance, InPersonSession
from lms_module.in_person.services import (
    InPersonError,
    add_meeting_attendee,
    attendees_of,
    record_session,
)
from lms_module.learning.models import Audience, Completion
from lms_module.people.services import create_user


def parents_meeting(db, world, attendee_ids, **changes):
    """Record 2A's parents' meeting as its homeroom teacher, Hạnh."""
    details = dict(
        unit=world["2A"], course=world.parents_course, held_on=HELD_ON,
        place="Phòng học lớp 2A", facilitator="Nguyễn Thị Hạnh", recorded_by=world["hanh"],
        attendee_ids=attendee_ids, clock=CLOCK,
    )
    return record_session(db, **(details | changes))


def test_an_adult_added_at_a_meeting_completes_the_parents_course_with_the_schools_certificate(
    db, world
):
    child = world["dung"]
    adult = add_meeting_attendee(db, child=child, recorded_by=world["hanh"])
    record = parents_meeting(db, world, [adult.id])

    assert adult.full_name == "Phụ huynh của em Vàng A Dũng"
    assert adult.password_hash is None and adult.username.startswith("ph-")
    link = db.scalars(select(ParentLink).where(ParentLink.adult_user_id == adult.id)).one()
    assert (link.child_user_id, link.source) == (child.id, LinkSource.MEETING)
    completion = db.scalars(select(Completion).where(Completion.user_id == adult.id)).one()
    assert completion.in_person_session_id == record.id
    assert completion.score == 1.0
    local = completion.completed_at.replace(tzinfo=completion.completed_at.tzinfo or dt.UTC)
    assert local.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date() == HELD_ON
    certificate = db.scalars(select(Certificate).where(Certificate.user_id == adult.id)).one()
    assert certificate.org_unit_id == world["school"].id
    assert certificate.issuing_unit_name == "Trường Tiểu học Nậm Hàng"
    assert certificate.issued_on == HELD_ON
    assert certificate.course_id == world.parents_course.id
    attendance = db.scalars(select(InPersonAttendance)).one()
    assert (attendance.user_id, attendance.completion_id) == (adult.id, completion.id)


def test_the_session_and_each_attendance_are_audited_with_the_adult_as_subject(db, world):
    adult = add_meeting_attendee(db, child=world["dung"], recorded_by=world["hanh"],
                                 name="  Vàng  Thị Mai ", kinship=Kinship.MOTHER)
    record = parents_meeting(db, world, [adult.id])
    events = {e.action: e for e in db.scalars(select(AuditEvent))}
    assert adult.full_name == "Vàng Thị Mai"
    session_event = events["in_person_session_recorded"]
    assert session_event.actor_id == world["hanh"].id
    assert session_event.org_unit_id == world["2A"].id
    assert session_event.detail["session_id"] == record.id
    attended = events["in_person_attendance_recorded"]
    assert (attended.actor_id, attended.subject_user_id) == (world["hanh"].id, adult.id)
    assert attended.detail["new_completion"] is True
    linked = events["parent_linked"]
    assert (linked.actor_id, linked.subject_user_id) == (world["hanh"].id, world["dung"].id)
    assert linked.detail["source"] == "meeting"


def test_a_teacher_at_a_staff_session_gets_the_teachers_certificate_from_the_school(db, world):
    record = record_session(
        db, unit=world["school"], course=world.teachers_course, held_on=HELD_ON,
        place="Hội trường", facilitator="Hà Thị Mơ", recorded_by=world["mo"],
        attendee_ids=[world["lam"].id], clock=CLOCK,
    )
    assert record.audience is Audience.TEACHER
    certificate = db.scalars(
        select(Certificate).where(Certificate.user_id == world["lam"].id)
    ).one()
    assert certificate.org_unit_id == world["school"].id
    assert certificate.issued_on == HELD_ON
    assert certificate.holder_is_student is False


def test_recording_the_same_session_twice_counts_everyone_once(db, world):
    linked = create_user(db, username="ip.me.an", full_name="Lò Thị Sen")
    db.flush()
    link_adult(db, linked, world["an"], kinship=Kinship.MOTHER, source=LinkSource.LETTER)
    first = parents_meeting(db, world, [linked.id])
    again = parents_meeting(db, world, [linked.id, linked.id])
    assert again.id == first.id
    assert count(db, InPersonSession) == 1
    assert count(db, InPersonAttendance) == 1
    assert count(db, Completion, Completion.user_id == linked.id) == 1
    assert count(db, Certificate, Certificate.user_id == linked.id) == 1
    assert count(db, AuditEvent, AuditEvent.action == "in_person_attendance_recorded") == 1


def test_someone_who_completed_before_keeps_their_completion_and_certificate(db, world):
    hanh = world["hanh"]  # holds the teachers' course already (completed online)
    before = db.scalars(select(Completion).where(Completion.user_id == hanh.id)).one()
    record = record_session(
        db, unit=world["school"], course=world.teachers_course, held_on=HELD_ON,
        place="Hội trường", facilitator="Hà Thị Mơ", recorded_by=world["mo"],
        attendee_ids=[hanh.id, world["khai"].id], clock=CLOCK,
    )
    attendance = db.scalars(
        select(InPersonAttendance).where(InPersonAttendance.user_id == hanh.id)
    ).one()
    assert attendance.completion_id == before.id
    assert count(db, Completion, Completion.user_id == hanh.id) == 1
    assert count(db, Certificate, Certificate.user_id == hanh.id) == 1
    shown = {a.user.id: a.new_completion for a in attendees_of(db, record)}
    assert shown == {hanh.id: False, world["khai"].id: True}


def test_the_adult_counts_as_covered_for_the_parents_requirement(db, world):
    """The meeting covers the child's family in the families target (counted by family)."""
    scope = ReportScope(world.parents_requirement.id, SCHOOL_YEAR, Audience.PARENT)
    adult = add_meeting_attendee(db, child=world["em"], recorded_by=world["hanh"])
    before = direct_subtree_figures(db, world["school"], scope, TODAY)
    assert before.covered == 0 and before.population > 0
    parents_meeting(db, world, [adult.id])
    after = direct_subtree_figures(db, world["school"], scope, TODAY)
    assert (after.population, after.covered) == (before.population, 1)


# ------------------------------------------------------------------------------- refusals


def refused(db, snapshot, record, message):
    db.commit()  # the world stays; what the refused call wrote is rolled back below
    before = snapshot()
    with pytest.raises(InPersonError) as raised:
        record()
    db.rollback()
    assert message in raised.value.message
    assert snapshot() == before


def test_a_day_in_the_future_is_refused(db, world, snapshot):
    linked = create_user(db, username="ip.bo.an", full_name="Lò Văn Sáng")
    db.flush()
    link_adult(db, linked, world["an"], kinship=Kinship.FATHER, source=LinkSource.LETTER)
    tomorrow = TODAY + dt.timedelta(days=1)
    refused(db, snapshot, lambda: parents_meeting(db, world, [linked.id], held_on=tomorrow),
            f"Ngày {tomorrow:%d/%m/%Y} chưa đến")


def test_a_day_before_last_school_year_is_refused(db, world, snapshot):
    long_ago = dt.date(TODAY.year - 3, 1, 15)
    refused(db, snapshot, lambda: parents_meeting(db, world, [world["hanh"].id],
                                                  held_on=long_ago),
            "Chỉ ghi được buổi học từ ngày")


def test_an_empty_attendance_is_refused(db, world, snapshot):
    refused(db, snapshot, lambda: parents_meeting(db, world, []), "Chưa đánh dấu ai có mặt")


def test_a_students_course_is_refused(db, world, snapshot):
    refused(db, snapshot, lambda: parents_meeting(
        db, world, [world["hanh"].id], course=world.school.courses["k12"]
    ), "dành cho học sinh")


def test_a_teachers_course_at_a_class_is_refused(db, world, snapshot):
    refused(db, snapshot, lambda: parents_meeting(
        db, world, [world["hanh"].id], course=world.teachers_course
    ), "được ghi ở trang của trường")


def test_someone_not_on_the_sessions_list_is_refused(db, world, snapshot):
    # Teachers are not 2A's parents; Oanh teaches at another school.
    refused(db, snapshot, lambda: parents_meeting(db, world, [world["hanh"].id]),
            "không thuộc danh sách")
    refused(db, snapshot, lambda: record_session(
        db, unit=world["school"], course=world.teachers_course, held_on=HELD_ON, place="Hội trường",
        facilitator="Hà Thị Mơ", recorded_by=world["mo"], attendee_ids=[world["oanh"].id],
        clock=CLOCK,
    ), "không thuộc danh sách")


def test_a_refused_meeting_leaves_no_adult_behind(db, world, snapshot):
    db.commit()
    before = snapshot()
    with pytest.raises(InPersonError):
        adult = add_meeting_attendee(db, child=world["dung"], recorded_by=world["hanh"])
        parents_meeting(db, world, [adult.id], held_on=TODAY + dt.timedelta(days=3))
    db.rollback()
    assert snapshot() == before
