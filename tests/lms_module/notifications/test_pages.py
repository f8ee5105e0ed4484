"""What people see: notices on the home page and /notifications, the escalation to-do list
with its one-click links and "Đã xử lý", and the settings a school manager sets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers import CSRF_PATTERN, make_course, record_certificate
from lms_module.audit.models import AuditEvent
from lms_module.learning.models import Audience, Course
from lms_module.notifications.forms import NoticeSettingsForm, kind_field_name
from lms_module.notifications.models import NoticeKind, NoticeSettings, Notification
from lms_module.notifications.services import sweep
from lms_module.obligations.models import Assignment
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User

#: Today in LMS_TIMEZONE, as the pages compute it.
TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _late_teacher(db: Session, school: OrgUnit, make_user: Callable[..., User]
                  ) -> tuple[User, User, Course]:
    """A manager and a teacher 20 days overdue on an assigned course."""
    manager = make_user(Role.SCHOOL_MANAGER, school, full_name="Hà Văn Quản")
    teacher = make_user(Role.TEACHER, school, full_name="Tao Văn Muộn")
    course = make_course(db, "gv-page", Audience.TEACHER)
    db.add(Assignment(course_id=course.id, org_unit_id=school.id, role=Role.TEACHER,
                      due_on=TODAY - dt.timedelta(days=20)))
    db.flush()
    return manager, teacher, course


def _token(page: str) -> str:
    match = CSRF_PATTERN.search(page)
    assert match
    return match.group(1)


def test_the_manager_home_shows_the_escalation_to_do_until_marked_done(
    app: Flask, db: Session, login: Callable[[User], FlaskClient], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    school = tree["school"]
    manager, _teacher, _course = _late_teacher(db, school, make_user)
    with app.app_context():
        sweep(db, today=TODAY)
    client = login(manager)
    page = client.get("/").get_data(as_text=True)
    assert "Việc cần xử lý" in page
    assert "Tao Văn Muộn quá hạn 20 ngày" in page
    assert f'href="/units/{school.id}/training-status"' in page
    (notice,) = db.scalars(select(Notification).where(
        Notification.user_id == manager.id, Notification.kind == NoticeKind.ESCALATION_MANAGER))

    refused = client.post(f"/notifications/{notice.id}/done", data={"next": "/"})
    assert refused.status_code == 400  # no CSRF token
    done = client.post(f"/notifications/{notice.id}/done",
                       data={"csrf_token": _token(page), "next": "/"})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert 'id="todos"' not in client.get("/").get_data(as_text=True)


def test_the_to_do_disappears_once_the_teacher_is_certified(
    app: Flask, db: Session, login: Callable[[User], FlaskClient], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    manager, teacher, course = _late_teacher(db, tree["school"], make_user)
    with app.app_context():
        sweep(db, today=TODAY)
    client = login(manager)
    assert 'id="todos"' in client.get("/").get_data(as_text=True)
    record_certificate(db, teacher, course, issued=TODAY,
                       expires=TODAY + dt.timedelta(days=365))
    assert 'id="todos"' not in client.get("/").get_data(as_text=True)


def test_nobody_marks_another_persons_to_do(
    app: Flask, db: Session, login: Callable[[User], FlaskClient], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    manager, teacher, _course = _late_teacher(db, tree["school"], make_user)
    with app.app_context():
        sweep(db, today=TODAY)
    notice = db.scalars(select(Notification).where(Notification.user_id == manager.id)).first()
    assert notice is not None
    client = login(teacher)
    token = _token(client.get("/notifications").get_data(as_text=True))
    answer = client.post(f"/notifications/{notice.id}/done", data={"csrf_token": token})
    assert answer.status_code == 404
    db.refresh(notice)
    assert notice.read_at is None


def test_a_person_sees_their_notices_and_marks_them_read(
    app: Flask, db: Session, login: Callable[[User], FlaskClient], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    _manager, teacher, _course = _late_teacher(db, tree["school"], make_user)
    with app.app_context():
        sweep(db, today=TODAY)
    client = login(teacher)
    home = client.get("/").get_data(as_text=True)
    assert "1 chưa đọc" in home
    page = client.get("/notifications").get_data(as_text=True)
    assert "Quá hạn" in page and "(chưa đọc)" in page
    assert "Nhắc trước hạn 7 ngày" in page  # what the school sends
    answer = client.post("/notifications/read", data={"csrf_token": _token(page)})
    assert answer.status_code == 302
    assert "chưa đọc" not in client.get("/").get_data(as_text=True)


def test_a_manager_switches_a_kind_off_and_the_change_is_audited(
    db: Session, login: Callable[[User], FlaskClient], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    school = tree["school"]
    manager = make_user(Role.SCHOOL_MANAGER, school)
    client = login(manager)
    url = f"/units/{school.id}/notifications/settings"
    page = client.get(url).get_data(as_text=True)
    assert "kind_due_soon" in page and "office_share_percent" not in page
    form = {"csrf_token": _token(page), "days_before": "3", "escalate_after_days": "5",
            **{f"kind_{k.value}": "y" for k in NoticeKind if k is not NoticeKind.OVERDUE}}
    assert client.post(url, data=form).status_code == 302
    row = db.scalars(select(NoticeSettings).where(NoticeSettings.org_unit_id == school.id)).one()
    assert row.disabled_kinds == ["overdue"]
    assert (row.days_before, row.escalate_after_days, row.email_learners) == (3, 5, False)
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "notice_settings_changed", AuditEvent.org_unit_id == school.id
    )).one().actor_id == manager.id

    bad = client.post(url, data={**form, "days_before": "400"})
    assert bad.status_code == 200
    assert "từ 0 đến 90" in bad.get_data(as_text=True)


def test_a_teacher_may_not_change_what_the_school_sends(
    db: Session, login: Callable[[User], FlaskClient], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    teacher = make_user(Role.TEACHER, tree["school"])
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["other_province"])
    assert login(teacher).get(f"/units/{tree['school'].id}/notifications/settings"
                              ).status_code == 403
    client = login(reviewer)
    assert client.get(f"/units/{tree['school'].id}/notifications/settings").status_code == 403
    own = client.get(f"/units/{tree['other_province'].id}/notifications/settings")
    assert own.status_code == 200 and "office_share_percent" in own.get_data(as_text=True)


def test_the_office_reviewer_home_lists_the_school_to_act_on_without_names(
    app: Flask, db: Session, login: Callable[[User], FlaskClient], tree: dict[str, OrgUnit],
    make_user: Callable[..., User],
) -> None:
    school = tree["school"]
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["commune"])
    _manager, teacher, course = _late_teacher(db, school, make_user)
    with app.app_context():
        sweep(db, today=TODAY)
    client = login(reviewer)
    page = client.get("/").get_data(as_text=True)
    todos = page.split('id="todos"', 1)[1].split("</ul>", 1)[0]
    assert school.name in todos and "100" in todos
    assert f'href="/units/{school.id}/coverage"' in todos
    assert "Tao Văn Muộn" not in page and "Hà Văn Quản" not in page
    record_certificate(db, teacher, course, issued=TODAY, expires=TODAY + dt.timedelta(days=365))
    assert 'id="todos"' not in client.get("/").get_data(as_text=True)


def test_the_settings_form_has_a_checkbox_for_every_kind():
    assert all(hasattr(NoticeSettingsForm, kind_field_name(kind)) for kind in NoticeKind)
