"""Who is told what, and when: reminders, renewal notices, escalations and digests.

Everything comes from the one obligations query (:func:`~lms_module.obligations.query.
training_statuses`), asked once per school subtree, never per person; the coverage figures of
offices come from :func:`~lms_module.coverage.figures.target_reports`. Each message carries an
event key naming what happened, so :func:`~lms_module.notifications.sending.deliver` sends it
once:

* ``due_soon:<what>:<due date>`` once the due date is at most ``days_before`` days away;
* ``due_today:<what>:<due date>`` on the due date;
* ``overdue:<what>:<due date>`` once, the first sweep after the due date (no daily repeat: the
  school's managers hear of it again through the escalation and the weekly digest);
* ``renewal:<what>:<expiry>`` once a certificate that still counts enters the expiring window;
* ``escalation_manager:<person>:<what>:<due date>`` to each of the school's managers (not the
  person themself) once an adult is overdue by ``escalate_after_days``;
* ``escalation_office:<school>:<yyyy-mm>`` to the nearest office reviewers up the tree while a
  school's share of overdue adults is at or above the threshold: at most once a month;
* ``weekly_digest:<school>:<iso week>`` and ``monthly_digest:<unit>:<yyyy-mm>``.

Messages to offices hold counts and unit names only, never a person's name.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lms_module.coverage.figures import target_reports
from lms_module.coverage.report import AUDIENCE_LABELS
from lms_module.coverage.status import Status
from lms_module.db import subtree_condition, utcnow
from lms_module.i18n import format_percent, vn_date
from lms_module.notifications.models import Channel, NoticeKind, Notification
from lms_module.notifications.sending import Delivered, Message, deliver, recorded_events
from lms_module.notifications.settings import EffectiveSettings, settings_for_units
from lms_module.obligations.query import ObligationStatus, training_statuses
from lms_module.obligations.statuses import TrainingStatus
from lms_module.obligations.targets import targets_for
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.labels import ROLE_LABELS
from lms_module.people.models import ADULT_ROLES, Membership, Role, User
from lms_module.school_years.year import SchoolYear

#: Kinds a person gets about their own obligations.
PERSONAL_KINDS = (NoticeKind.DUE_SOON, NoticeKind.DUE_TODAY, NoticeKind.OVERDUE,
                  NoticeKind.RENEWAL)
#: Kinds that are to-dos on a manager's or office reviewer's home page.
ACTION_KINDS = (NoticeKind.ESCALATION_MANAGER, NoticeKind.ESCALATION_OFFICE)


@dataclass
class SweepSummary:
    """What a run did: schools looked at, messages recorded, e-mails sent or failed."""

    schools: int = 0
    delivered: Delivered = field(default_factory=Delivered)

    def add(self, done: Delivered) -> None:
        self.delivered.recorded += done.recorded
        self.delivered.emailed += done.emailed
        self.delivered.failed += done.failed
        self.delivered.skipped += done.skipped

    def as_dict(self) -> dict[str, int]:
        return {"schools": self.schools, "recorded": self.delivered.recorded,
                "emailed": self.delivered.emailed, "failed": self.delivered.failed,
                "skipped": self.delivered.skipped}


# ---------------------------------------------------------------------------- helpers


def _year(today: dt.date, config: Mapping[str, Any]) -> str:
    """The school year the notices of ``today`` are about (``LMS_SCHOOL_YEAR`` if set)."""
    return str(SchoolYear.current(today, config.get("LMS_SCHOOL_YEAR")))


def _path(endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` (no request needed: jobs build links too)."""
    adapter = current_app.url_map.bind("localhost")
    return str(adapter.build(endpoint, values))


def _language(user: User) -> str:
    return "en" if user.language == "en" else "vi"


def _what(row: ObligationStatus) -> str:
    obligation = row.obligation
    if obligation.requirement is not None:
        return f"r{obligation.requirement.id}"
    assert obligation.course is not None
    return f"c{obligation.course.id}"


def _schools(session: Session, within: OrgUnit | None) -> list[OrgUnit]:
    query = select(OrgUnit).where(OrgUnit.kind == OrgKind.SCHOOL).order_by(OrgUnit.path)
    if within is not None:
        query = query.where(subtree_condition(OrgUnit.path, within.path))
    return list(session.scalars(query))


def _users(session: Session, ids: Iterable[int]) -> dict[int, User]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def _holders(
    session: Session, role: Role, unit_ids: Iterable[int], year: str
) -> dict[int, list[User]]:
    """Active holders of ``role`` at each unit (memberships of ``year`` or of no year)."""
    wanted = set(unit_ids)
    found: dict[int, list[User]] = defaultdict(list)
    if not wanted:
        return found
    rows = session.execute(
        select(Membership.org_unit_id, User)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.org_unit_id.in_(wanted), Membership.role == role,
            Membership.active.is_(True), User.active.is_(True),
            (Membership.school_year == year) | Membership.school_year.is_(None),
        )
        .order_by(User.id)
    ).all()
    for unit_id, user in rows:
        if user not in found[unit_id]:
            found[unit_id].append(user)
    return found


def _email_for(user: User, role: Role, settings: EffectiveSettings) -> str | None:
    """Adults get e-mail when they have an address; learners only if the school says so."""
    if not user.email:
        return None
    if role in ADULT_ROLES or role in (Role.OFFICE_REVIEWER, Role.ADMIN):
        return user.email
    return user.email if settings.email_learners else None


def _config() -> Mapping[str, Any]:
    return current_app.config


# ---------------------------------------------------------------------------- the sweep


def sweep(session: Session, *, today: dt.date, within: OrgUnit | None = None) -> SweepSummary:
    """Send the reminders, renewal notices and escalations due ``today`` in every school of
    ``within``'s subtree (every school without it), each once.

    Commits after each school (see :func:`~lms_module.notifications.sending.deliver`).
    """
    config = _config()
    year = _year(today, config)
    window = int(config["LMS_EXPIRING_WINDOW_DAYS"])
    schools = _schools(session, within)
    settings = settings_for_units(session, schools)
    summary = SweepSummary()
    for school in schools:
        rows = training_statuses(session, school_year=year, today=today,
                                 expiring_window_days=window, within=school)
        summary.schools += 1
        if not rows:
            continue
        messages = list(_school_messages(session, school, rows, settings[school.id], today, year))
        summary.add(deliver(session, messages, config))
    return summary


def _school_messages(
    session: Session,
    school: OrgUnit,
    rows: Sequence[ObligationStatus],
    settings: EffectiveSettings,
    today: dt.date,
    year: str,
) -> Iterator[Message]:
    candidates = []
    for row in rows:
        found = _personal_notice(row, settings, today)
        if found is not None:
            kind, day = found
            candidates.append((row, kind, f"{kind.value}:{_what(row)}:{day.isoformat()}", day))
    # An hourly sweep finds most events told before: skip them before writing any text.
    told = recorded_events(session, [(row.obligation.user_id, key)
                                     for row, _kind, key, _day in candidates])
    late = [row for row in rows if row.status is TrainingStatus.OVERDUE]
    users = _users(session, {row.obligation.user_id for row, _k, key, _d in candidates
                             if (row.obligation.user_id, key) not in told}
                   | {row.obligation.user_id for row in late})
    home = _path("lms.home.index")
    for row, kind, key, day in candidates:
        if (row.obligation.user_id, key) in told:
            continue
        user = users[row.obligation.user_id]
        language = _language(user)
        with force_locale(language):
            subject, body = _personal_text(kind, row, day, today, language,
                                           child=row.obligation.role is Role.STUDENT)
        yield Message(
            user_id=user.id, kind=kind, event_key=key, language=language, subject=subject,
            body=body, link=home, email=_email_for(user, row.obligation.role, settings),
            org_unit_id=school.id,
        )
    if settings.sends(NoticeKind.ESCALATION_MANAGER):
        yield from _manager_escalations(session, school, rows, users, settings, today, year)
    if settings.sends(NoticeKind.ESCALATION_OFFICE):
        yield from _office_escalation(session, school, rows, settings, today, year)


def _personal_notice(
    row: ObligationStatus, settings: EffectiveSettings, today: dt.date
) -> tuple[NoticeKind, dt.date] | None:
    """The notice a person's standing calls for today, and the date its event is about."""
    obligation = row.obligation
    if row.status is TrainingStatus.EXPIRING and obligation.expires_on is not None:
        kind, day = NoticeKind.RENEWAL, obligation.expires_on
    elif obligation.due_on is None or row.status not in (TrainingStatus.DUE,
                                                          TrainingStatus.OVERDUE):
        return None
    elif row.status is TrainingStatus.OVERDUE:
        kind, day = NoticeKind.OVERDUE, obligation.due_on
    elif obligation.due_on == today:
        kind, day = NoticeKind.DUE_TODAY, obligation.due_on
    elif (obligation.due_on - today).days <= settings.days_before:
        kind, day = NoticeKind.DUE_SOON, obligation.due_on
    else:
        return None
    return (kind, day) if settings.sends(kind) else None


def _personal_text(
    kind: NoticeKind, row: ObligationStatus, day: dt.date, today: dt.date, language: str,
    *, child: bool,
) -> tuple[str, str]:
    """Subject and body of a reminder or renewal notice (children are addressed as "em")."""
    title = row.obligation.title(language)
    date = vn_date(day)
    if kind is NoticeKind.DUE_SOON:
        subject = _("Nhắc việc: “%(title)s” cần hoàn thành trước %(date)s", title=title, date=date)
        days = (day - today).days
        body = (_("Em còn %(days)s ngày để hoàn thành “%(title)s” (hạn %(date)s).",
                  days=days, title=title, date=date) if child else
                _("Thầy/cô còn %(days)s ngày để hoàn thành “%(title)s” (hạn %(date)s).",
                  days=days, title=title, date=date))
    elif kind is NoticeKind.DUE_TODAY:
        subject = _("Hôm nay là hạn hoàn thành “%(title)s”", title=title)
        body = (_("Hôm nay (%(date)s) là hạn cuối để em hoàn thành “%(title)s”.",
                  date=date, title=title) if child else
                _("Hôm nay (%(date)s) là hạn cuối để thầy/cô hoàn thành “%(title)s”.",
                  date=date, title=title))
    elif kind is NoticeKind.OVERDUE:
        subject = _("Quá hạn: “%(title)s” (hạn %(date)s)", title=title, date=date)
        body = (_("Em chưa hoàn thành “%(title)s”, hạn là %(date)s. Em hãy học tiếp nhé.",
                  title=title, date=date) if child else
                _("Thầy/cô chưa hoàn thành “%(title)s”, hạn là %(date)s. Xin thầy/cô hoàn "
                  "thành sớm.", title=title, date=date))
    else:
        subject = _("Chứng nhận “%(title)s” sắp hết hạn (%(date)s)", title=title, date=date)
        body = (_("Chứng nhận “%(title)s” của em hết hạn ngày %(date)s. Em hãy học lại để có "
                  "chứng nhận mới.", title=title, date=date) if child else
                _("Chứng nhận “%(title)s” của thầy/cô hết hạn ngày %(date)s. Xin thầy/cô học "
                  "lại để được cấp chứng nhận mới.", title=title, date=date))
    return subject, body


# ---------------------------------------------------------------------------- escalations


def _manager_escalations(
    session: Session,
    school: OrgUnit,
    rows: Sequence[ObligationStatus],
    users: Mapping[int, User],
    settings: EffectiveSettings,
    today: dt.date,
    year: str,
) -> Iterator[Message]:
    late = [
        row for row in rows
        if row.obligation.role in ADULT_ROLES and row.status is TrainingStatus.OVERDUE
        and row.obligation.due_on is not None
        and (today - row.obligation.due_on).days >= settings.escalate_after_days
    ]
    if not late:
        return
    managers = _holders(session, Role.SCHOOL_MANAGER, [school.id], year)[school.id]
    link = _path("lms.certification.training_status", unit_id=school.id)
    for row in late:
        person = users[row.obligation.user_id]
        for manager in managers:
            if manager.id == person.id:
                continue
            language = _language(manager)
            with force_locale(language):
                title = row.obligation.title(language)
                days = (today - row.obligation.due_on).days  # type: ignore[operator]
                subject = _("Cần xử lý: %(name)s quá hạn %(days)s ngày", name=person.full_name,
                            days=days)
                body = _("%(role)s %(name)s chưa hoàn thành “%(title)s”, hạn %(date)s (quá hạn "
                         "%(days)s ngày). Xin thầy/cô nhắc trực tiếp và theo dõi trên trang "
                         "tình trạng bồi dưỡng của trường.",
                         role=ROLE_LABELS[row.obligation.role], name=person.full_name,
                         title=title, date=vn_date(row.obligation.due_on), days=days)
            yield Message(
                user_id=manager.id, kind=NoticeKind.ESCALATION_MANAGER,
                event_key=(f"escalation_manager:{person.id}:{_what(row)}:"
                           f"{row.obligation.due_on.isoformat()}"),  # type: ignore[union-attr]
                language=language, subject=subject, body=body, link=link,
                email=_email_for(manager, Role.SCHOOL_MANAGER, settings),
                org_unit_id=school.id, about_user_id=person.id,
                data={"what": _what(row), "due_on": row.obligation.due_on.isoformat()},  # type: ignore[union-attr]
            )


def overdue_share(rows: Sequence[ObligationStatus]) -> tuple[int, int]:
    """Return (adults with an obligation, adults overdue on at least one) of a school."""
    adults = {r.obligation.user_id for r in rows if r.obligation.role in ADULT_ROLES}
    overdue = {r.obligation.user_id for r in rows
               if r.obligation.role in ADULT_ROLES and r.status is TrainingStatus.OVERDUE}
    return len(adults), len(overdue)


def _above_threshold(adults: int, overdue: int, settings: EffectiveSettings) -> bool:
    return adults > 0 and 100.0 * overdue / adults >= settings.office_share_percent


def office_reviewers_above(
    session: Session, unit: OrgUnit, year: str
) -> tuple[OrgUnit | None, list[User]]:
    """The nearest office unit above ``unit`` that has reviewers, and its reviewers."""
    ancestors = [i for i in unit.ancestor_ids if i != unit.id]
    holders = _holders(session, Role.OFFICE_REVIEWER, ancestors, year)
    for unit_id in reversed(ancestors):
        if holders.get(unit_id):
            return session.get(OrgUnit, unit_id), holders[unit_id]
    return None, []


def _office_escalation(
    session: Session,
    school: OrgUnit,
    rows: Sequence[ObligationStatus],
    settings: EffectiveSettings,
    today: dt.date,
    year: str,
) -> Iterator[Message]:
    adults, overdue = overdue_share(rows)
    if not _above_threshold(adults, overdue, settings):
        return
    office, reviewers = office_reviewers_above(session, school, year)
    if office is None:
        return
    link = _path("lms.coverage.dashboard", unit_id=school.id)
    share = 100.0 * overdue / adults
    for reviewer in reviewers:
        language = _language(reviewer)
        with force_locale(language):
            subject = _("Cần xử lý: %(school)s có %(share)s giáo viên, nhân viên quá hạn",
                        school=school.name, share=format_percent(share, language))
            body = _("%(school)s: %(overdue)s trên %(adults)s giáo viên, nhân viên và cán bộ "
                     "quản lý đã quá hạn bồi dưỡng bắt buộc (%(share)s, ngưỡng báo %(limit)s).",
                     school=school.name, overdue=overdue, adults=adults,
                     share=format_percent(share, language),
                     limit=format_percent(settings.office_share_percent, language))
        yield Message(
            user_id=reviewer.id, kind=NoticeKind.ESCALATION_OFFICE,
            event_key=f"escalation_office:{school.id}:{today:%Y-%m}", language=language,
            subject=subject, body=body, link=link,
            email=_email_for(reviewer, Role.OFFICE_REVIEWER, settings), org_unit_id=school.id,
            data={"adults": adults, "overdue": overdue, "threshold": settings.office_share_percent},
        )


# ---------------------------------------------------------------------------- digests


def weekly_digest(
    session: Session, *, today: dt.date, within: OrgUnit | None = None
) -> SweepSummary:
    """Tell each school's managers who is overdue there, by class and role (names included:
    they are the school's own managers). A school with nobody overdue gets no digest."""
    config = _config()
    year = _year(today, config)
    window = int(config["LMS_EXPIRING_WINDOW_DAYS"])
    schools = _schools(session, within)
    settings = settings_for_units(session, schools)
    managers = _holders(session, Role.SCHOOL_MANAGER, [s.id for s in schools], year)
    iso = today.isocalendar()
    summary = SweepSummary()
    for school in schools:
        summary.schools += 1
        if not managers.get(school.id) or not settings[school.id].sends(NoticeKind.WEEKLY_DIGEST):
            continue
        rows = training_statuses(session, school_year=year, today=today,
                                 expiring_window_days=window, within=school)
        groups = overdue_groups(rows)
        if not groups:
            continue
        link = _path("lms.certification.training_status", unit_id=school.id)
        messages = []
        for manager in managers[school.id]:
            language = _language(manager)
            with force_locale(language):
                subject = _("Tuần %(week)s: những người quá hạn ở %(school)s",
                            week=iso.week, school=school.name)
                lines = [_("Những người chưa hoàn thành việc phải học, đã quá hạn:")]
                for group in groups:
                    label = (_("Lớp %(name)s", name=group["unit"]) if group["role"] == "student"
                             else str(ROLE_LABELS[Role(group["role"])]))
                    lines.append(f"• {label} ({group['count']}): {', '.join(group['names'])}")
            messages.append(Message(
                user_id=manager.id, kind=NoticeKind.WEEKLY_DIGEST,
                event_key=f"weekly_digest:{school.id}:{iso.year}-W{iso.week:02d}",
                language=language, subject=subject, body="\n".join(lines), link=link,
                email=_email_for(manager, Role.SCHOOL_MANAGER, settings[school.id]),
                org_unit_id=school.id, data={"groups": groups},
            ))
        summary.add(deliver(session, messages, config))
    return summary


def overdue_groups(rows: Sequence[ObligationStatus]) -> list[dict[str, Any]]:
    """Who is overdue, grouped by class (students) and by role (adults), in the query's order."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    seen: set[tuple[str, str, int]] = set()
    for row in rows:
        if row.status is not TrainingStatus.OVERDUE:
            continue
        obligation = row.obligation
        student = obligation.role is Role.STUDENT
        key = ("student", obligation.unit_name) if student else (obligation.role.value, "")
        group = groups.setdefault(key, {"role": key[0], "unit": key[1], "count": 0,
                                        "names": []})
        if (*key, obligation.user_id) in seen:
            continue
        seen.add((*key, obligation.user_id))
        group["count"] += 1
        group["names"].append(obligation.full_name)
    adults_first = sorted(groups.values(), key=lambda g: g["role"] == "student")
    return adults_first


def monthly_digest(
    session: Session, *, today: dt.date, within: OrgUnit | None = None
) -> SweepSummary:
    """Tell each office's reviewers which of their targets are at risk or off track over
    their subtree (counts only: never a name)."""
    config = _config()
    year = _year(today, config)
    query = (
        select(OrgUnit).join(Membership, Membership.org_unit_id == OrgUnit.id)
        .where(Membership.role == Role.OFFICE_REVIEWER, Membership.active.is_(True))
        .distinct().order_by(OrgUnit.path)
    )
    if within is not None:
        query = query.where(subtree_condition(OrgUnit.path, within.path))
    offices = list(session.scalars(query))
    settings = settings_for_units(session, offices)
    reviewers = _holders(session, Role.OFFICE_REVIEWER, [o.id for o in offices], year)
    summary = SweepSummary()
    for office in offices:
        summary.schools += 1
        if not reviewers.get(office.id) or not settings[office.id].sends(
            NoticeKind.MONTHLY_DIGEST
        ):
            continue
        at_risk = [
            report for report in target_reports(session, targets_for(session, office, year),
                                                 office, today)
            if report.status in (Status.AT_RISK, Status.OFF_TRACK)
        ]
        if not at_risk:
            continue
        figures = [
            {"target_id": r.target.id, "audience": r.target.audience.value,
             "status": r.status.value, "population": r.figures.population,
             "covered": r.figures.covered, "still_to_train": r.still_to_train,
             "target_percent": r.target.percent}
            for r in at_risk
        ]
        link = _path("lms.coverage.dashboard", unit_id=office.id)
        messages = []
        for reviewer in reviewers[office.id]:
            language = _language(reviewer)
            with force_locale(language):
                subject = _("Tháng %(month)s: chỉ tiêu cần chú ý ở %(unit)s",
                            month=f"{today:%m/%Y}", unit=office.name)
                lines = [_("Các chỉ tiêu có nguy cơ không đạt (chỉ có số liệu):")]
                for report in at_risk:
                    lines.append("• " + _(
                        "%(audience)s, “%(title)s”: %(covered)s/%(population)s đạt (%(percent)s, "
                        "chỉ tiêu %(target)s), còn %(left)s người cần hoàn thành trước %(date)s.",
                        audience=AUDIENCE_LABELS[report.target.audience],
                        title=report.target.requirement.title(language),
                        covered=report.figures.covered, population=report.figures.population,
                        percent=format_percent(report.figures.percent or 0.0, language),
                        target=format_percent(report.target.percent, language),
                        left=report.still_to_train, date=vn_date(report.target.deadline),
                    ))
            messages.append(Message(
                user_id=reviewer.id, kind=NoticeKind.MONTHLY_DIGEST,
                event_key=f"monthly_digest:{office.id}:{today:%Y-%m}", language=language,
                subject=subject, body="\n".join(lines), link=link,
                email=_email_for(reviewer, Role.OFFICE_REVIEWER, settings[office.id]),
                org_unit_id=office.id, data={"targets": figures},
            ))
        summary.add(deliver(session, messages, config))
    return summary


# ---------------------------------------------------------------------------- reading


def notices_of(session: Session, user: User, *, limit: int = 200) -> list[Notification]:
    """The person's in-app notices, newest first."""
    return list(session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.channel == Channel.IN_APP)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ))


def unread_count(session: Session, user: User) -> int:
    """How many of the person's in-app notices are unread."""
    return int(session.scalar(
        select(func.count()).select_from(Notification).where(
            Notification.user_id == user.id, Notification.channel == Channel.IN_APP,
            Notification.read_at.is_(None),
        )
    ) or 0)


def mark_read(session: Session, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notices read (``ids``, or all of them); return how many changed."""
    statement = (
        update(Notification)
        .where(Notification.user_id == user.id, Notification.channel == Channel.IN_APP,
               Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(list(ids)))
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Todo:
    """An escalation still to act on, with where to act."""

    notice: Notification
    links: list[tuple[str, str]]


def open_todos(session: Session, user: User, *, today: dt.date, limit: int = 20) -> list[Todo]:
    """The person's escalations not marked done whose situation still holds.

    An escalation about a person disappears once that person is no longer overdue on it (they
    got certified, or left the school); an office escalation once the school's share of
    overdue adults is below the threshold again. Both are checked with the same obligations
    query the sweep used.
    """
    config = _config()
    year = _year(today, config)
    window = int(config["LMS_EXPIRING_WINDOW_DAYS"])
    notices = list(session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.channel == Channel.IN_APP,
               Notification.kind.in_(ACTION_KINDS), Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit * 3)
    ))
    todos = []
    standing: dict[int, _SchoolStanding] = {}  # one obligations query per school, not per to-do
    for notice in notices:
        school = notice.org_unit
        if school is None:
            continue
        if school.id not in standing:
            standing[school.id] = _standing(session, school, year, today, window)
        now = standing[school.id]
        if notice.kind is NoticeKind.ESCALATION_MANAGER:
            if (notice.about_user_id, str(notice.data.get("what", ""))) not in now.overdue:
                continue
            links = [(_("Xem tình trạng bồi dưỡng của trường"), notice.link)]
        else:
            if not now.above_threshold:
                continue
            links = [(_("Xem độ bao phủ của trường"), notice.link)]
        todos.append(Todo(notice, links))
        if len(todos) >= limit:
            break
    return todos


@dataclass(frozen=True)
class _SchoolStanding:
    #: (person, what) of every adult overdue at the school now.
    overdue: frozenset[tuple[int | None, str]]
    above_threshold: bool


def _standing(
    session: Session, school: OrgUnit, year: str, today: dt.date, window: int
) -> _SchoolStanding:
    """Who is overdue at ``school`` today, and whether the office threshold is passed."""
    rows = training_statuses(session, school_year=year, today=today,
                             expiring_window_days=window, within=school)
    adults, overdue = overdue_share(rows)
    settings = settings_for_units(session, [school])[school.id]
    return _SchoolStanding(
        frozenset((row.obligation.user_id, _what(row)) for row in rows
                  if row.status is TrainingStatus.OVERDUE and row.obligation.role in ADULT_ROLES),
        _above_threshold(adults, overdue, settings),
    )


def mark_done(session: Session, user: User, notice_id: int) -> bool:
    """Mark one of the person's to-dos (or notices) handled; ``False`` if it is not theirs."""
    notice = session.get(Notification, notice_id)
    if notice is None or notice.user_id != user.id:
        return False
    if notice.read_at is None:
        notice.read_at = utcnow()
    return True


@dataclass(frozen=True)
class HomeNotices:
    """What the home page shows of a person's notices."""

    unread: int
    latest: list[Notification]
    todos: list[Todo]


def home_notices(session: Session, user: User, *, today: dt.date, latest: int = 3) -> HomeNotices:
    """The person's unread count, latest notices and open to-dos, for the home page."""
    return HomeNotices(
        unread=unread_count(session, user),
        latest=notices_of(session, user, limit=latest),
        todos=open_todos(session, user, today=today),
    )
