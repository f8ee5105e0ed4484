"""Jobs of this area (registered with lms_module.jobs.kinds.job_kind): the hourly sweep and
the digests, each sending a message once per event however often it runs."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext, lazy_gettext

from lms_module.i18n import local_today
from lms_module.jobs.kinds import job_kind
from lms_module.jobs.runner import JobContext, JobFailed
from lms_module.notifications import services
from lms_module.orgs.models import OrgUnit


def _today(ctx: JobContext) -> dt.date:
    """``params["today"]`` (ISO date) if given, else today in ``LMS_TIMEZONE``."""
    given = ctx.params.get("today")
    if not given:
        return local_today()
    try:
        return dt.date.fromisoformat(str(given))
    except ValueError as error:
        raise JobFailed(f"Ngày không hợp lệ: {given!r} (viết theo dạng 2027-05-31).") from error


def _within(ctx: JobContext) -> OrgUnit | None:
    unit_id = ctx.params.get("unit_id") or ctx.job.org_unit_id
    return ctx.session.get(OrgUnit, int(unit_id)) if unit_id else None


@job_kind("notifications.sweep", title=lazy_gettext("Gửi nhắc việc và báo cáo cần xử lý"))
def sweep(ctx: JobContext) -> None:
    """Reminders before, on and after due dates, renewal notices and escalations."""
    ctx.progress(0, 0, gettext("Đang gửi nhắc việc…"), force=True)
    summary = services.sweep(ctx.session, today=_today(ctx), within=_within(ctx))
    ctx.job.summary = summary.as_dict()


@job_kind("notifications.weekly_digest", title=lazy_gettext("Bản tin tuần cho cán bộ quản lý"))
def weekly_digest(ctx: JobContext) -> None:
    """Who is overdue, by class and role, to each school's managers."""
    ctx.progress(0, 0, gettext("Đang gửi bản tin tuần…"), force=True)
    summary = services.weekly_digest(ctx.session, today=_today(ctx), within=_within(ctx))
    ctx.job.summary = summary.as_dict()


@job_kind("notifications.monthly_digest", title=lazy_gettext("Bản tin tháng cho phòng, sở"))
def monthly_digest(ctx: JobContext) -> None:
    """Targets at risk over each office's subtree (counts only) to its reviewers."""
    ctx.progress(0, 0, gettext("Đang gửi bản tin tháng…"), force=True)
    summary = services.monthly_digest(ctx.session, today=_today(ctx), within=_within(ctx))
    ctx.job.summary = summary.as_dict()
