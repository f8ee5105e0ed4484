"""The notices a person sees, and what a school sends (registered in web.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from lms_module.auth.access import requires, signed_in, user_can
from lms_module.core.inputs import bounded_int
from lms_module.core.request import client_ip, current_person
from lms_module.core.urls import local_target
from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.notifications.forms import KIND_LABELS, NoticeSettingsForm, kind_field_name
from lms_module.notifications.models import NoticeKind
from lms_module.notifications.services import mark_done, mark_read, notices_of, open_todos
from lms_module.notifications.settings import (
    OFFICE_KINDS,
    save_settings,
    settings_for,
    settings_for_units,
)
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import enclosing_school
from lms_module.people.models import Role
from lms_module.people.services import active_memberships

bp = Blueprint("notifications", __name__, template_folder="templates")


@bp.get("/notifications")
@signed_in
def index() -> str:
    """List the person's notices (newest first), their open to-dos, and what their schools
    send."""
    session = db_session()
    user = current_person()
    units = {}
    for membership in active_memberships(session, user):
        unit = enclosing_school(session, membership.org_unit) or membership.org_unit
        units[unit.id] = unit
    settings = settings_for_units(session, units.values())
    return render_template(
        "notifications/index.html",
        notices=notices_of(session, user),
        todos=open_todos(session, user, today=local_today()),
        sent_by=[(unit, settings[unit.id]) for unit in units.values()],
        KIND_LABELS=KIND_LABELS,
        NoticeKind=NoticeKind,
    )


@bp.post("/notifications/read")
@signed_in
def read() -> BaseResponse:
    """Mark one notice (``id``) or all of the person's notices read."""
    session = db_session()
    notice_id = bounded_int(request.form.get("id", ""), minimum=1)
    mark_read(session, current_person(), None if notice_id is None else [notice_id])
    session.commit()
    return redirect(local_target(request.form.get("next")) or url_for(".index"))


@bp.post("/notifications/<int:notice_id>/done")
@signed_in
def done(notice_id: int) -> BaseResponse:
    """Mark a to-do handled ("Đã xử lý"): it leaves the home page."""
    session = db_session()
    if not mark_done(session, current_person(), notice_id):
        abort(404)
    session.commit()
    flash(_("Đã đánh dấu là đã xử lý."), "success")
    return redirect(local_target(request.form.get("next")) or url_for(".index"))


@bp.route("/units/<int:unit_id>/notifications/settings", methods=["GET", "POST"])
@requires(Role.SCHOOL_MANAGER, Role.OFFICE_REVIEWER, unit_arg="unit_id")
def settings(unit: OrgUnit) -> str | BaseResponse:
    """Let a school's managers (or an office's reviewers, at their unit) set what is sent."""
    session = db_session()
    user = current_person()
    office = unit.kind in OFFICE_KINDS
    if unit.kind is OrgKind.CLASS or (
        office and not user_can(session, user, (Role.OFFICE_REVIEWER,), unit)
    ) or (
        unit.kind is OrgKind.SCHOOL
        and not user_can(session, user, (Role.SCHOOL_MANAGER,), unit)
    ):
        abort(403)
    current = settings_for(session, unit)
    form = NoticeSettingsForm()
    if request.method != "POST":
        form.days_before.data = current.days_before
        form.escalate_after_days.data = current.escalate_after_days
        form.email_learners.data = current.email_learners
        form.office_share_percent.data = current.office_share_percent
        for kind in NoticeKind:
            getattr(form, kind_field_name(kind)).data = current.sends(kind)
    if not office:
        del form.office_share_percent  # the office's threshold is the office's to set
    if form.validate_on_submit():
        save_settings(
            session, unit, user,
            enabled_kinds=[k for k in NoticeKind if getattr(form, kind_field_name(k)).data],
            days_before=int(form.days_before.data),
            escalate_after_days=int(form.escalate_after_days.data),
            email_learners=bool(form.email_learners.data),
            office_share_percent=form.office_share_percent.data if office else None,
            ip=client_ip(),
        )
        session.commit()
        flash(_("Đã lưu cài đặt nhắc việc của %(name)s.", name=unit.name), "success")
        return redirect(url_for(".settings", unit_id=unit.id))
    return render_template(
        "notifications/settings.html", unit=unit, form=form, office=office,
        kinds=[(kind, getattr(form, kind_field_name(kind))) for kind in NoticeKind],
        inherited=current.from_unit_id not in (None, unit.id),
    )
