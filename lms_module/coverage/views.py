"""The coverage dashboard, its drill-down, the uncovered people list, targets and exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import public, requires
from lms_module.core.assets import StaticFiles
from lms_module.core.inputs import bounded_int, query_int
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.coverage.chart import Bar, Chart, render_svg
from lms_module.coverage.exports import EXPORT_TYPES
from lms_module.coverage.figures import scope_of, uncovered_people
from lms_module.coverage.forms import TargetForm
from lms_module.coverage.jobs import export_runs_as_job
from lms_module.coverage.report import (
    AUDIENCE_LABELS,
    SORT_KEYS,
    STATUS_LABELS,
    VIEW_ROLES,
    CoverageReport,
    build_report,
    format_date,
)
from lms_module.db import db_session
from lms_module.i18n import format_number, format_percent, format_target, local_today
from lms_module.jobs.services import enqueue, start_job
from lms_module.learning.models import AUDIENCE_ROLES, Audience
from lms_module.obligations.models import CoverageTarget, Requirement
from lms_module.obligations.targets import InvalidTargetError, set_target
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import Role, User
from lms_module.people.services import active_memberships
from lms_module.school_years.current import current_school_year
from lms_module.school_years.year import SchoolYear, SchoolYearError

bp = Blueprint("coverage", __name__, template_folder="templates")

#: The dashboard's stylesheet, under a content-hashed URL like every static file.
STATIC_FILES = StaticFiles(Path(__file__).resolve().parent / "static")
bp.url_defaults(STATIC_FILES.url_defaults)


@bp.get("/coverage-static/<path:filename>")
@public
def static(filename: str) -> BaseResponse:
    """Serve the area's static files (``core/assets.py``: immutable when hashed)."""
    return STATIC_FILES.response(filename)



def may_see_people(session: Session, user: User, unit: OrgUnit) -> bool:
    """Tell whether ``user`` may see named people of ``unit`` in coverage reports.

    Only school managers of the unit's school, and only at a school or below: office reviewers
    (and admins, who act as office staff) see figures, never children's names.
    """
    if unit.kind not in (OrgKind.SCHOOL, OrgKind.CLASS):
        return False
    return any(
        m.role is Role.SCHOOL_MANAGER
        and m.org_unit.kind in (OrgKind.SCHOOL, OrgKind.CLASS)
        and unit.path.startswith(m.org_unit.path)
        for m in active_memberships(session, user)
    )


def _filters() -> dict[str, Any]:
    """Parse the report's query string (unknown values fall back to defaults)."""
    args = request.args
    asked = args.get("year")
    try:
        year = SchoolYear.parse(asked) if asked else current_school_year()
    except SchoolYearError:
        year = current_school_year()
    audience = args.get("audience")
    level = args.get("level")
    sort = args.get("sort") if args.get("sort") in SORT_KEYS else "coverage"
    return {
        "school_year": str(year),
        "audience": Audience(audience) if audience in AUDIENCE_ROLES else None,
        "school_level": SchoolLevel(level) if level in set(SchoolLevel) else None,
        "target_id": bounded_int(args.get("target")),
        "sort": sort,
        "descending": args.get("order") == "desc",
    }


def _report(unit: OrgUnit, session: Session, filters: dict[str, Any]) -> CoverageReport:
    return build_report(
        session,
        unit,
        today=local_today(),
        with_classes=may_see_people(session, current_person(), unit),
        **filters,
    )


def chart_for(report: CoverageReport, language: str) -> Chart | None:
    """Return the chart of the drill-down (children, or classes of a school)."""
    if report.selected is None:
        return None
    target = report.selected.target
    rows = report.children or report.classes
    if not rows:
        rows = []
    bars = [Bar(row.label, row.figures.percent,
                f"{format_percent(row.figures.percent, language)} "
                f"({format_number(row.figures.covered, language)}/"
                f"{format_number(row.figures.population, language)})") for row in rows]
    bars.insert(0, Bar(report.unit.name, report.selected.figures.percent,
                       format_percent(report.selected.figures.percent, language)))
    return Chart(
        title=_("Độ bao phủ: %(audience)s, %(requirement)s",
                audience=AUDIENCE_LABELS[target.audience],
                requirement=target.requirement.title(language)),
        bars=bars,
        target_percent=target.percent,
        target_text=_("Chỉ tiêu %(percent)s", percent=format_target(target.percent, language)),
    )


@bp.app_template_filter("ddmmyyyy")
def _date_filter(value: dt.date) -> str:
    return format_date(value)


@bp.get("/units/<int:unit_id>/coverage")
@requires(*VIEW_ROLES, unit_arg="unit_id")
def dashboard(unit: OrgUnit) -> str:
    """Show the targets of a unit with progress and status, a chart and the drill-down."""
    session = db_session()
    filters = _filters()
    report = _report(unit, session, filters)
    language = current_language()
    chart = chart_for(report, language)
    session.commit()  # the rollup refreshed on the way
    user = current_person()
    return render_template(
        "coverage/dashboard.html",
        unit=unit,
        report=report,
        filters=filters,
        chart_svg=Markup(render_svg(chart)) if chart else None,  # noqa: S704 (escaped inside)
        language=language,
        years=_year_choices(session, filters["school_year"]),
        can_see_people=may_see_people(session, user, unit),
        can_set_targets=_may_set_targets(session, user, unit),
        can_refresh=_is_admin(session, user),
        job_formats=[fmt for fmt in EXPORT_TYPES if export_runs_as_job(unit, fmt)],
        STATUS_LABELS=STATUS_LABELS,
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        breadcrumbs=_breadcrumbs(session, user, unit),
        link=_link_maker(filters, report),
    )


def _link_maker(filters: dict[str, Any], report: CoverageReport) -> Any:
    """Return ``link(unit_id, **changes)``: the dashboard URL keeping the current filters."""
    base = {
        "year": filters["school_year"],
        "audience": filters["audience"].value if filters["audience"] else None,
        "level": filters["school_level"].value if filters["school_level"] else None,
        "target": report.selected.target.id if report.selected else None,
        "sort": filters["sort"],
        "order": "desc" if filters["descending"] else None,
    }

    def link(unit_id: int, **changes: Any) -> str:
        args = {key: value for key, value in {**base, **changes}.items() if value is not None}
        return url_for(".dashboard", unit_id=unit_id, **args)

    return link


def _year_choices(session: Session, selected: str) -> list[str]:
    years = set(session.scalars(select(CoverageTarget.school_year).distinct()))
    years.update({selected, str(current_school_year())})
    return sorted(years, reverse=True)


def _breadcrumbs(session: Session, user: User, unit: OrgUnit) -> list[OrgUnit]:
    """Ancestors of ``unit`` that the user may open (never above their own scope)."""
    from lms_module.auth.access import user_can

    ancestors = [session.get(OrgUnit, i) for i in unit.ancestor_ids[:-1]]
    return [a for a in ancestors if a is not None and user_can(session, user, VIEW_ROLES, a)]


def _is_admin(session: Session, user: User) -> bool:
    from lms_module.auth.access import has_role

    return has_role(session, user, Role.ADMIN)


def _may_set_targets(session: Session, user: User, unit: OrgUnit) -> bool:
    from lms_module.auth.access import user_can

    return unit.kind is not OrgKind.CLASS and user_can(
        session, user, (Role.OFFICE_REVIEWER, Role.ADMIN), unit
    )


@bp.get("/units/<int:unit_id>/coverage/uncovered")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def uncovered(unit: OrgUnit) -> str:
    """List the named people of a school or class not yet covered (school managers only)."""
    session = db_session()
    user = current_person()
    if not may_see_people(session, user, unit):
        abort(403)
    target = session.get(CoverageTarget, query_int("target") or 0)
    if target is None or target.org_unit_id not in unit.ancestor_ids:
        abort(404)
    people = uncovered_people(session, unit, scope_of(target), local_today())
    record_event(
        session,
        "view_uncovered_people",
        actor_id=user.id,
        org_unit_id=unit.id,
        ip=client_ip(),
        target_id=target.id,
        count=len(people),
    )
    session.commit()
    return render_template(
        "coverage/uncovered.html", unit=unit, target=target, people=people,
        AUDIENCE_LABELS=AUDIENCE_LABELS, language=current_language(),
    )


# ------------------------------------------------------------------------------ targets


@bp.route("/units/<int:unit_id>/coverage/targets", methods=["GET", "POST"])
@requires(Role.OFFICE_REVIEWER, Role.ADMIN, unit_arg="unit_id")
def targets(unit: OrgUnit) -> Any:
    """Let an office reviewer or admin set the coverage targets of their unit."""
    session = db_session()
    if unit.kind is OrgKind.CLASS:
        abort(404)
    language = current_language()
    current = current_school_year()
    requirements = list(session.scalars(select(Requirement).order_by(Requirement.title_vi)))
    form = TargetForm(current, [(r.id, r.title(language)) for r in requirements])
    if form.validate_on_submit():
        requirement = {r.id: r for r in requirements}[form.requirement.data]
        audience = Audience(form.audience.data)
        try:
            set_target(
                session, unit=unit, audience=audience, requirement=requirement,
                percent=form.percent.data, school_year=str(form.school_year.data),
                deadline=form.deadline.data, source=form.source.data, actor=current_person(),
            )
        except InvalidTargetError as error:
            form.deadline.errors.append(error.message)
        else:
            record_event(session, "set_coverage_target", actor_id=current_person().id,
                         org_unit_id=unit.id, ip=client_ip(), audience=audience.value,
                         requirement_id=requirement.id, percent=form.percent.data,
                         school_year=str(form.school_year.data))
            session.commit()
            flash(_("Đã lưu chỉ tiêu."), "success")
            return redirect(url_for(".targets", unit_id=unit.id))
    if form.is_submitted():
        session.rollback()
    existing = list(
        session.scalars(
            select(CoverageTarget)
            .where(CoverageTarget.org_unit_id == unit.id)
            .order_by(CoverageTarget.school_year.desc(), CoverageTarget.audience)
        )
    )
    return render_template(
        "coverage/targets.html",
        unit=unit,
        form=form,
        existing=existing,
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        language=language,
    ), (400 if form.errors else 200)


# ------------------------------------------------------------------------------ exports


@bp.route("/units/<int:unit_id>/coverage/report.<fmt>", methods=["GET", "POST"])
@requires(*VIEW_ROLES, unit_arg="unit_id")
def export(unit: OrgUnit, fmt: str) -> str | BaseResponse:
    """Download the report as .xlsx, .csv or the official-format .pdf.

    A province's (or the country's) workbook and PDF are made by a job
    (:func:`lms_module.coverage.jobs.export_runs_as_job`): a GET shows the button, the POST
    starts the job and leads to its page, which offers the file when it is ready.
    """
    from lms_module.coverage.exports import report_csv, report_pdf, report_xlsx
    from lms_module.coverage.jobs import EXPORT_KIND, export_key, export_params

    if fmt not in EXPORT_TYPES:
        abort(404)
    session = db_session()
    filters = _filters()
    user = current_person()
    language = current_language()
    filename = f"bao-cao-bao-phu-{unit.code}-{filters['school_year']}.{fmt}"
    if export_runs_as_job(unit, fmt):
        if request.method != "POST":
            return render_template(
                "coverage/export.html", unit=unit, fmt=fmt, filters=filters,
                AUDIENCE_LABELS=AUDIENCE_LABELS,
            )
        params = export_params(
            unit, fmt, filters, language=language, prepared_by=user.full_name,
            with_classes=may_see_people(session, user, unit), filename=filename,
        )
        record_event(session, "export_coverage_report", actor_id=user.id, org_unit_id=unit.id,
                     ip=client_ip(), format=fmt, school_year=filters["school_year"])
        job = start_job(session, kind=EXPORT_KIND, params=params, user=user, unit=unit,
                        key=f"{EXPORT_KIND}:{export_key(params, user.id)}")
        session.commit()
        enqueue(job)
        return redirect(url_for("lms.jobs.show", job_id=job.id))
    report = _report(unit, session, filters)
    if fmt == "xlsx":
        data = report_xlsx(session, report, language)
    elif fmt == "csv":
        data = report_csv(report, language)
    else:
        data = report_pdf(session, report, language, prepared_by=user.full_name)
    record_event(session, "export_coverage_report", actor_id=user.id, org_unit_id=unit.id,
                 ip=client_ip(), format=fmt, school_year=report.school_year)
    session.commit()
    return Response(
        data,
        content_type=EXPORT_TYPES[fmt],  # as is: a mimetype= would get a second charset
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/coverage/refresh")
@requires(Role.ADMIN)
def refresh() -> BaseResponse:
    """Start the full rebuild of the coverage rollup (one at a time) and show its progress."""
    session = db_session()
    job = start_job(session, kind="coverage.refresh", params={"language": current_language()},
                    user=current_person(), unit=None, key="coverage.refresh")
    session.commit()
    enqueue(job)
    return redirect(url_for("lms.jobs.show", job_id=job.id))
