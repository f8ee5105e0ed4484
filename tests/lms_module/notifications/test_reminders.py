"""Reminders before, on and after a due date reach each person once, in the app and (adults
with an address) by e-mail through a real SMTP server; escalations reach the school's
managers and, with counts only, the office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flask import Flask
from mail_support import Inbox, free_port, smtp_config
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers import make_course, record_certificate
from lms_module.learning.models import Audience
from lms_module.notifications.models import Channel, DeliveryResult, NoticeKind, Notification
from lms_module.notifications.services import monthly_digest, sweep, weekly_digest
from lms_module.notifications.settings import save_settings
from lms_module.obligations.models import Assignment, Requirement
from lms_module.obligations.targets import set_target
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User

DUE = dt.date(2027, 3, 15)


def _assign(db: Session, unit: OrgUnit, role: Role, audience: Audience, slug: str,
            due: dt.date = DUE, grades: tuple[int, int] | None = None) -> Assignment:
    course = make_course(db, slug, audience, grades)
    assignment = Assignment(course_id=course.id, org_unit_id=unit.id, role=role, due_on=due,
                            grade_min=grades[0] if grades else None,
                            grade_max=grades[1] if grades else None)
    db.add(assignment)
    db.flush()
    return assignment


def _notices(db: Session, user: User, channel: Channel | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if channel is not None:
        query = query.where(Notification.channel == channel)
    return list(db.scalars(query))


def _kinds(db: Session, user: User) -> list[NoticeKind]:
    return [n.kind for n in _notices(db, user, Channel.IN_APP)]


def test_a_reminder_goes_once_before_on_and_after_the_due_date(
    db: Session, mail_app: Flask, inbox: Inbox, tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    school, class_2a = tree["school"], tree["class"]
    teacher = make_user(Role.TEACHER, school, full_name="Lường Thị Mai",
                        email="mai@truong.example.edu.vn")
    student = make_user(Role.STUDENT, class_2a, full_name="Lò Văn An",
                        email="an@nha.example.vn")
    _assign(db, school, Role.TEACHER, Audience.TEACHER, "gv-an-toan")
    _assign(db, school, Role.STUDENT, Audience.STUDENT, "hs-2", grades=(1, 2))

    with mail_app.app_context():
        sweep(db, today=DUE - dt.timedelta(days=8))  # before the 7-day threshold
        assert _kinds(db, teacher) == []
        for day in (DUE - dt.timedelta(days=7), DUE, DUE + dt.timedelta(days=1)):
            sweep(db, today=day)
            sweep(db, today=day)  # the hourly sweep runs again the same day: nothing new
        sweep(db, today=DUE + dt.timedelta(days=2))  # overdue once, not daily

    expected = [NoticeKind.DUE_SOON, NoticeKind.DUE_TODAY, NoticeKind.OVERDUE]
    assert _kinds(db, teacher) == expected
    assert _kinds(db, student) == expected
    # The teacher's e-mails arrived, one per threshold, with the subject of each.
    mails = inbox.to("mai@truong.example.edu.vn")
    assert [m["Subject"] for m in mails] == [
        n.subject for n in _notices(db, teacher, Channel.EMAIL)
    ]
    assert len(mails) == 3
    assert "Nhắc việc" in mails[0]["Subject"] and "15/03/2027" in mails[0]["Subject"]
    assert "Hôm nay là hạn" in mails[1]["Subject"]
    assert mails[2]["Subject"].startswith("Quá hạn")
    assert "http://localhost/" in mails[0].get_content()
    assert all(n.result is DeliveryResult.SENT and n.sent_at is not None
               for n in _notices(db, teacher))
    # A child is told in the app only ("em"), never by e-mail.
    assert inbox.to("an@nha.example.vn") == []
    assert _notices(db, student, Channel.EMAIL) == []
    assert "Em còn 7 ngày" in _notices(db, student)[0].body


def test_a_person_certified_in_time_is_not_told_it_is_overdue(
    db: Session, mail_app: Flask, tree: dict[str, OrgUnit], make_user: Callable[..., User],
) -> None:
    teacher = make_user(Role.TEACHER, tree["school"], email="b@truong.example.edu.vn")
    assignment = _assign(db, tree["school"], Role.TEACHER, Audience.TEACHER, "gv-cert")
    record_certificate(db, teacher, assignment.course, issued=DUE - dt.timedelta(days=3),
                       expires=dt.date(2028, 3, 12))
    with mail_app.app_context():
        for day in (DUE - dt.timedelta(days=7), DUE, DUE + dt.timedelta(days=1)):
            sweep(db, today=day)
    assert _kinds(db, teacher) == [NoticeKind.DUE_SOON]


def test_a_certificate_entering_the_expiring_window_brings_one_renewal_notice(
    db: Session, mail_app: Flask, inbox: Inbox, tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    teacher = make_user(Role.TEACHER, tree["school"], email="c@truong.example.edu.vn")
    teacher.language = "en"
    assignment = _assign(db, tree["school"], Role.TEACHER, Audience.TEACHER, "gv-renew")
    record_certificate(db, teacher, assignment.course, issued=dt.date(2026, 4, 1),
                       expires=dt.date(2027, 4, 1))
    with mail_app.app_context():
        sweep(db, today=dt.date(2027, 1, 20))  # 71 days before expiry: outside 60 days
        sweep(db, today=dt.date(2027, 2, 1))
        sweep(db, today=dt.date(2027, 2, 2))
    assert _kinds(db, teacher) == [NoticeKind.RENEWAL]
    (mail,) = inbox.to("c@truong.example.edu.vn")
    assert "01/04/2027" in mail["Subject"]
    assert _notices(db, teacher)[0].language == "en"  # written in the person's language


def test_an_overdue_teacher_is_escalated_to_the_managers_after_the_set_days(
    db: Session, mail_app: Flask, inbox: Inbox, tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    school = tree["school"]
    manager = make_user(Role.SCHOOL_MANAGER, school, full_name="Hà Văn Quản",
                        email="ql@truong.example.edu.vn")
    late = make_user(Role.TEACHER, school, full_name="Tao Văn Muộn")
    _assign(db, school, Role.TEACHER, Audience.TEACHER, "gv-esc")
    with mail_app.app_context():
        save_settings(db, school, manager, enabled_kinds=list(NoticeKind), days_before=7,
                      escalate_after_days=10, email_learners=False)
        sweep(db, today=DUE + dt.timedelta(days=9))
        escalations = [n for n in _notices(db, manager) if n.kind is NoticeKind.ESCALATION_MANAGER]
        assert escalations == []  # 9 days overdue: not yet
        sweep(db, today=DUE + dt.timedelta(days=10))
        sweep(db, today=DUE + dt.timedelta(days=11))
    escalations = [n for n in _notices(db, manager, Channel.IN_APP)
                   if n.kind is NoticeKind.ESCALATION_MANAGER]
    assert len(escalations) == 1
    assert escalations[0].about_user_id == late.id
    assert escalations[0].org_unit_id == school.id
    assert "Tao Văn Muộn" in escalations[0].subject
    (mail,) = [m for m in inbox.to("ql@truong.example.edu.vn") if "Cần xử lý" in m["Subject"]]
    assert "Tao Văn Muộn" in mail.get_content()
    assert f"/units/{school.id}/training-status" in mail.get_content()


def test_the_office_hears_of_a_school_past_the_share_with_counts_only(
    db: Session, mail_app: Flask, inbox: Inbox, tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    school, commune, province = tree["school"], tree["commune"], tree["province"]
    reviewer = make_user(Role.OFFICE_REVIEWER, commune, email="phong@xa.example.gov.vn")
    far_reviewer = make_user(Role.OFFICE_REVIEWER, province, email="so@tinh.example.gov.vn")
    make_user(Role.TEACHER, school, full_name="Quàng Văn Một")
    make_user(Role.TEACHER, school, full_name="Quàng Văn Hai")
    make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Nhỏ")
    _assign(db, school, Role.TEACHER, Audience.TEACHER, "gv-office")
    _assign(db, school, Role.STUDENT, Audience.STUDENT, "hs-office", grades=(1, 2))
    with mail_app.app_context():
        save_settings(db, province, far_reviewer, enabled_kinds=list(NoticeKind),
                      days_before=7, escalate_after_days=14, email_learners=False,
                      office_share_percent=50.0)
        sweep(db, today=DUE + dt.timedelta(days=1))
        sweep(db, today=DUE + dt.timedelta(days=3))
    (notice,) = [n for n in _notices(db, reviewer, Channel.IN_APP)
                 if n.kind is NoticeKind.ESCALATION_OFFICE]
    assert notice.data == {"adults": 2, "overdue": 2, "threshold": 50.0}
    assert _notices(db, far_reviewer) == []  # the nearest office with reviewers hears of it
    (mail,) = inbox.to("phong@xa.example.gov.vn")
    text = mail["Subject"] + mail.get_content() + notice.body
    assert "2 trên 2" in text
    for name in ("Quàng Văn Một", "Quàng Văn Hai", "Lò Thị Nhỏ"):
        assert name not in text


def test_the_monthly_digest_counts_targets_at_risk_without_names(
    db: Session, mail_app: Flask, inbox: Inbox, tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    commune = tree["commune"]
    reviewer = make_user(Role.OFFICE_REVIEWER, commune, email="phong@xa.example.gov.vn")
    for name in ("Lò Văn Một", "Lò Văn Hai", "Lò Văn Ba"):
        make_user(Role.STUDENT, tree["class"], full_name=name)
    course = make_course(db, "hs-digest", Audience.STUDENT, (1, 5))
    requirement = Requirement(code="KNS", title_vi="Kỹ năng sống", courses=[course])
    db.add(requirement)
    db.flush()
    set_target(db, unit=commune, audience=Audience.STUDENT, requirement=requirement,
               percent=95.0, school_year="2026-2027", deadline=dt.date(2027, 5, 31))
    with mail_app.app_context():
        monthly_digest(db, today=dt.date(2027, 3, 1))
        monthly_digest(db, today=dt.date(2027, 3, 20))  # same month: nothing new
    (notice,) = _notices(db, reviewer, Channel.IN_APP)
    assert notice.kind is NoticeKind.MONTHLY_DIGEST
    assert notice.data["targets"][0]["population"] == 3
    assert notice.data["targets"][0]["covered"] == 0
    (mail,) = inbox.to("phong@xa.example.gov.vn")
    text = mail.get_content() + notice.body
    assert "0/3" in text
    assert "Lò Văn" not in text


def test_the_weekly_digest_lists_the_overdue_by_class_and_role(
    db: Session, mail_app: Flask, tree: dict[str, OrgUnit], make_unit: Callable[..., OrgUnit],
    make_user: Callable[..., User],
) -> None:
    school, class_2a = tree["school"], tree["class"]
    class_2b = make_unit(class_2a.kind, school, name="2B", grade=2)
    manager = make_user(Role.SCHOOL_MANAGER, school)
    make_user(Role.TEACHER, school, full_name="Lường Văn Giáo")
    make_user(Role.STAFF, school, full_name="Điêu Thị Vụ")
    make_user(Role.STUDENT, class_2a, full_name="Lò Văn An")
    make_user(Role.STUDENT, class_2b, full_name="Tòng Thị Bình")
    for role, audience in ((Role.TEACHER, Audience.TEACHER), (Role.STAFF, Audience.STAFF)):
        _assign(db, school, role, audience, f"wk-{role.value}")
    _assign(db, school, Role.STUDENT, Audience.STUDENT, "wk-hs", grades=(1, 2))
    with mail_app.app_context():
        weekly_digest(db, today=dt.date(2027, 3, 22))
        weekly_digest(db, today=dt.date(2027, 3, 24))  # the same week: once
    (notice,) = _notices(db, manager, Channel.IN_APP)
    groups = [(g["role"], g["unit"], g["names"]) for g in notice.data["groups"]]
    assert groups == [
        ("teacher", "", ["Lường Văn Giáo"]),
        ("staff", "", ["Điêu Thị Vụ"]),
        ("student", "2A", ["Lò Văn An"]),
        ("student", "2B", ["Tòng Thị Bình"]),
    ]
    assert "Lớp 2A (1): Lò Văn An" in notice.body


def test_a_kind_switched_off_by_the_school_is_not_sent(
    db: Session, mail_app: Flask, tree: dict[str, OrgUnit], make_user: Callable[..., User],
) -> None:
    school = tree["school"]
    manager = make_user(Role.SCHOOL_MANAGER, school)
    teacher = make_user(Role.TEACHER, school)
    _assign(db, school, Role.TEACHER, Audience.TEACHER, "gv-off")
    with mail_app.app_context():
        save_settings(db, school, manager,
                      enabled_kinds=[k for k in NoticeKind if k is not NoticeKind.DUE_SOON],
                      days_before=3, escalate_after_days=14, email_learners=False)
        sweep(db, today=DUE - dt.timedelta(days=3))
        sweep(db, today=DUE)
    assert _kinds(db, teacher) == [NoticeKind.DUE_TODAY]


def test_an_e_mail_cut_off_while_sending_stays_pending_and_is_never_sent_again(
    db: Session, mail_app: Flask, inbox: Inbox, tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    teacher = make_user(Role.TEACHER, tree["school"], email="d@truong.example.edu.vn")
    assignment = _assign(db, tree["school"], Role.TEACHER, Audience.TEACHER, "gv-cut")
    # What a worker killed between recording and sending leaves behind: both rows committed,
    # the e-mail still pending.
    key = f"overdue:c{assignment.course_id}:{DUE.isoformat()}"
    for channel, result in ((Channel.IN_APP, DeliveryResult.SENT),
                            (Channel.EMAIL, DeliveryResult.PENDING)):
        db.add(Notification(user_id=teacher.id, kind=NoticeKind.OVERDUE, channel=channel,
                            event_key=key, subject="Quá hạn", body="", result=result,
                            detail="d@truong.example.edu.vn"))
    db.flush()
    with mail_app.app_context():
        sweep(db, today=DUE + dt.timedelta(days=1))
    assert inbox.to("d@truong.example.edu.vn") == []
    results = {n.channel: n.result for n in _notices(db, teacher)}
    assert results == {Channel.EMAIL: DeliveryResult.PENDING, Channel.IN_APP: DeliveryResult.SENT}


def test_an_smtp_server_that_cannot_be_reached_marks_the_e_mail_failed_with_why(
    db: Session, make_app: Callable[..., Flask], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    teacher = make_user(Role.TEACHER, tree["school"], email="e@truong.example.edu.vn")
    _assign(db, tree["school"], Role.TEACHER, Audience.TEACHER, "gv-down")
    nowhere = make_app(**smtp_config(free_port()))  # nothing listens there
    with nowhere.app_context():
        sweep(db, today=DUE)
    (email,) = _notices(db, teacher, Channel.EMAIL)
    assert email.result is DeliveryResult.FAILED
    assert email.detail.startswith("e@truong.example.edu.vn: ")
    assert email.sent_at is None
