"""Jobs of the coverage area: the full rollup refresh (nightly, or started by hand), and the
report exports of a province or the whole country."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext

from lms_module.coverage.report import VIEW_ROLES, build_report
from lms_module.coverage.rollup import refresh_all
from lms_module.i18n import local_today
from lms_module.jobs.kinds import job_kind
from lms_module.jobs.runner import JobContext, JobFailed
from lms_module.learning.models import Audience
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel


@job_kind("coverage.refresh", title=lazy_gettext("Tính lại độ bao phủ"))
def refresh(ctx: JobContext) -> None:
    """Rebuild the rollup of every target (what the nightly schedule runs)."""
    stage = gettext("Đang tính lại độ bao phủ theo chỉ tiêu…")
    ctx.progress(0, 0, stage, force=True)
    count = refresh_all(
        ctx.session, local_today(), lambda done, total: ctx.progress(done, total, stage)
    )
    ctx.job.summary = {"groups": count}


# ------------------------------------------------------------------------------ exports

#: Units whose report is written by a job (a whole province or the country: many communes and
#: schools to read); smaller ones download at once. CSV is plain figures: always at once.
JOB_KINDS = (OrgKind.MINISTRY, OrgKind.PROVINCE)
JOB_FORMATS = ("xlsx", "pdf")
EXPORT_KIND = "coverage.export"


def export_runs_as_job(unit: OrgUnit, fmt: str) -> bool:
    """Tell whether the ``fmt`` report of ``unit`` is made by a job (a province or above)."""
    return unit.kind in JOB_KINDS and fmt in JOB_FORMATS


def export_params(
    unit: OrgUnit, fmt: str, filters: dict[str, Any], *, language: str, prepared_by: str,
    with_classes: bool, filename: str,
) -> dict[str, Any]:
    """Return the parameters of an export job (the dashboard's filters, JSON-safe)."""
    return {
        "unit_id": unit.id,
        "format": fmt,
        "school_year": filters["school_year"],
        "audience": filters["audience"].value if filters["audience"] else None,
        "school_level": filters["school_level"].value if filters["school_level"] else None,
        "target_id": filters["target_id"],
        "sort": filters["sort"],
        "descending": bool(filters["descending"]),
        "with_classes": with_classes,
        "language": language,
        "prepared_by": prepared_by,
        "filename": filename,
    }


def export_key(params: dict[str, Any], user_id: int) -> str:
    """Return the job key of an export: its unit, format, filters and who asked."""
    return ":".join(
        str(params[name]) for name in (
            "unit_id", "format", "school_year", "audience", "school_level", "target_id", "sort",
            "descending", "language",
        )
    ) + f":{user_id}"


@job_kind(EXPORT_KIND, title=lazy_gettext("Báo cáo độ bao phủ"))
def export(ctx: JobContext) -> None:
    """Write the coverage report of a unit (XLSX or the official-format PDF) into the job's
    file, from the same figures and writers as the direct download."""
    from lms_module.auth.access import user_can
    from lms_module.coverage.exports import EXPORT_TYPES, report_pdf, report_xlsx

    params = ctx.params
    session = ctx.session
    unit = ctx.unit_or_fail(gettext(
        "Đơn vị này không còn trong hệ thống nên không có báo cáo để xuất."
    ))
    requester = ctx.requester()
    if requester is None or not user_can(session, requester, VIEW_ROLES, unit):
        raise JobFailed(gettext(
            "Anh/chị không còn quyền xem độ bao phủ của đơn vị này nên không xuất được báo cáo."
        ))
    fmt = params["format"]
    if fmt not in JOB_FORMATS:
        raise JobFailed(gettext("Định dạng báo cáo này không xuất được."))
    ctx.progress(0, 2, gettext("Đang tính số liệu theo chỉ tiêu…"), force=True)
    report = build_report(
        session, unit, today=local_today(), school_year=params["school_year"],
        audience=Audience(params["audience"]) if params.get("audience") else None,
        school_level=SchoolLevel(params["school_level"]) if params.get("school_level") else None,
        target_id=params.get("target_id"), sort=params.get("sort", "coverage"),
        descending=bool(params.get("descending")), with_classes=bool(params.get("with_classes")),
    )
    ctx.progress(1, 2, gettext("Đang viết tệp báo cáo…"), force=True)
    language = params.get("language", "vi")
    if fmt == "xlsx":
        data = report_xlsx(session, report, language)
    else:
        data = report_pdf(session, report, language, prepared_by=params.get("prepared_by"))
    size = ctx.write_result(params["filename"], EXPORT_TYPES[fmt], [data])
    ctx.progress(2, 2, "", force=True)
    ctx.job.summary = {"targets": len(report.targets), "bytes": size}
