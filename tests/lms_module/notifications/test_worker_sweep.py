"""The hourly sweep runs on a real RQ queue (Redis) in `lms worker` and e-mails through a real
SMTP server; run again, it sends nothing twice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from mail_support import smtp_config, smtp_server
from queue_support import start_worker, stop, wait_for_job
from sqlalchemy import select

from helpers import SCHOOL_YEAR, make_course
from lms_module.jobs.models import JobStatus
from lms_module.jobs.services import enqueue, start_job
from lms_module.learning.models import Audience
from lms_module.notifications.models import Channel, DeliveryResult, NoticeKind, Notification
from lms_module.obligations.models import Assignment
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user


def _sweep(app: Flask, today: dt.date, key: str) -> int:
    with app.app_context(), app.extensions["lms"].session_factory() as session:
        job = start_job(session, kind="notifications.sweep", params={"today": today.isoformat()},
                        user=None, unit=None, key=key)
        session.commit()
        enqueue(job, app)
        return job.id


def test_the_worker_sends_the_overdue_reminder_and_escalation_once(
    queue_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    due = dt.date(2027, 3, 15)
    with queue_app.app_context(), queue_app.extensions["lms"].session_factory() as session:
        province = create_unit(session, kind=OrgKind.PROVINCE, code="P", name="Sở GD-ĐT")
        school = create_unit(session, kind=OrgKind.SCHOOL, code="S", name="Trường Tiểu học A",
                             parent=province, school_level=SchoolLevel.PRIMARY)
        teacher = create_user(session, username="gv", full_name="Lường Thị Mai",
                              email="mai@truong.example.edu.vn")
        manager = create_user(session, username="ql", full_name="Hà Văn Quản",
                              email="ql@truong.example.edu.vn")
        add_membership(session, teacher, school, Role.TEACHER, school_year=SCHOOL_YEAR)
        add_membership(session, manager, school, Role.SCHOOL_MANAGER, school_year=SCHOOL_YEAR)
        course = make_course(session, "gv-worker", Audience.TEACHER)
        session.add(Assignment(course_id=course.id, org_unit_id=school.id, role=Role.TEACHER,
                               due_on=due))
        session.commit()
        teacher_id, manager_id = teacher.id, manager.id

    late = due + dt.timedelta(days=14)  # overdue by the default 14 days: escalated
    with smtp_server() as (inbox, port):
        for key, value in smtp_config(port).items():
            monkeypatch.setenv(key, str(value))  # the worker's environment (worker_env)
        first = _sweep(queue_app, late, "sweep-1")
        again = _sweep(queue_app, late, "sweep-2")
        worker = start_worker(queue_app, tmp_path / "worker.log", burst=True)
        try:
            jobs = [wait_for_job(queue_app, first), wait_for_job(queue_app, again)]
        finally:
            stop(worker)
        log = (tmp_path / "worker.log").read_text()
        assert [job.status for job in jobs] == [JobStatus.DONE, JobStatus.DONE], log

        (reminder,) = inbox.to("mai@truong.example.edu.vn")
        assert reminder["Subject"].startswith("Quá hạn")
        (escalation,) = inbox.to("ql@truong.example.edu.vn")
        assert "Lường Thị Mai" in escalation["Subject"]
        assert "quá hạn 14 ngày" in escalation["Subject"]

    with queue_app.extensions["lms"].session_factory() as session:
        rows = session.scalars(select(Notification).order_by(Notification.id)).all()
        assert sorted((r.user_id, r.kind, r.channel) for r in rows) == sorted([
            (teacher_id, NoticeKind.OVERDUE, Channel.IN_APP),
            (teacher_id, NoticeKind.OVERDUE, Channel.EMAIL),
            (manager_id, NoticeKind.ESCALATION_MANAGER, Channel.IN_APP),
            (manager_id, NoticeKind.ESCALATION_MANAGER, Channel.EMAIL),
        ])
        assert {r.result for r in rows} == {DeliveryResult.SENT}
