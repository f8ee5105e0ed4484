"""Jobs of the certificate area: a ZIP of a unit's certificates, written into the job's file.

A school manager starts one from the school's certificates page (the filters of the page); the
CLI (``lms export-certificates``) starts one for a commune or a province. Each certificate is
rendered when the ZIP writer reaches it and its bytes go straight to the job's file, so memory
stays flat however many there are; progress is counted per certificate. A large ZIP is rendered
by several processes (``LMS_CERTIFICATE_RENDER_PROCESSES``, one per CPU by default) while this
one reads the records and writes the ZIP: the same entries in the same order, so the same bytes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from flask_babel import gettext, lazy_gettext
from sqlalchemy import Select, func, select

from certificates.bulk import Entry, rendered, stream_zip
from certificates.pdf import render_certificate
from lms_module.auth.access import may_see_names
from lms_module.certification.models import Certificate
from lms_module.certification.services import (
    CertificateStatus,
    unit_certificates_query,
    zip_contents,
)
from lms_module.i18n import local_today
from lms_module.jobs.kinds import job_kind
from lms_module.jobs.runner import JobContext, JobFailed
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role

KIND = "certificates.zip"
#: A ZIP of fewer certificates is rendered in the job's own process: starting render
#: processes costs about a second, a few dozen certificates less.
PARALLEL_FROM = 200


def render_processes(configured: int, total: int) -> int:
    """Return how many processes render a ZIP of ``total`` certificates (1: this one)."""
    if total < PARALLEL_FROM:
        return 1
    return configured if configured > 0 else len(os.sched_getaffinity(0))


def zip_params(
    unit: OrgUnit,
    *,
    filename: str,
    holder_unit_id: int | None = None,
    course_id: int | None = None,
    status: CertificateStatus | None = None,
    include_revoked: bool = False,
    base_url: str | None = None,
    language: str = "vi",
) -> dict[str, Any]:
    """Return the parameters of a ZIP job for ``unit`` and its filters (JSON-safe)."""
    return {
        "unit_id": unit.id,
        "class_id": holder_unit_id,
        "course_id": course_id,
        "status": status.value if status is not None else None,
        "include_revoked": include_revoked,
        "filename": filename,
        "base_url": base_url,
        "language": language,
    }


def zip_key(params: dict[str, Any]) -> str:
    """Return the job key of a ZIP: the unit and its filters (a double click: the same job)."""
    return (
        f"{KIND}:{params['unit_id']}:{params['class_id']}:{params['course_id']}:"
        f"{params['status']}:{int(bool(params['include_revoked']))}:{params['language']}"
    )


def _query(unit: OrgUnit, params: dict[str, Any]) -> Select[Certificate]:
    status = params.get("status")
    return unit_certificates_query(
        unit, holder_unit_id=params.get("class_id"), course_id=params.get("course_id"),
        status=CertificateStatus(status) if status else None, today=local_today(),
        include_revoked=bool(params.get("include_revoked")),
    )


@job_kind(KIND, title=lazy_gettext("Tệp ZIP giấy chứng nhận"))
def certificates_zip(ctx: JobContext) -> None:
    """Write the ZIP of the unit's certificates (the job's filters) into the job's file."""
    params = ctx.params
    session = ctx.session
    unit = ctx.unit_or_fail(gettext(
        "Đơn vị này không còn trong hệ thống nên không có giấy chứng nhận nào để đóng gói."
    ))
    requester = ctx.requester()
    # Names are personal data: the person who asked must still be a manager of the school
    # when the job runs (the CLI's jobs have no requester: the operator runs them).
    if ctx.job.requested_by_id is not None and (
        requester is None or not may_see_names(session, requester, (Role.SCHOOL_MANAGER,), unit)
    ):
        raise JobFailed(gettext(
            "Anh/chị không còn quyền quản lý đơn vị này nên không tải được giấy chứng nhận."
        ))
    base_url = params.get("base_url") or ctx.app.config["LMS_PUBLIC_BASE_URL"]
    if not base_url:
        raise JobFailed(gettext(
            "Mã QR cần địa chỉ công khai của hệ thống: hãy đặt LMS_PUBLIC_BASE_URL."
        ))
    query = _query(unit, params)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    stage = gettext("Đang đóng gói giấy chứng nhận…")
    ctx.progress(0, total, stage, force=True)
    written = 0

    def counted(entries: Iterator[Entry]) -> Iterator[Entry]:
        def render(make: Callable[[], bytes]) -> bytes:
            nonlocal written
            data = make()
            written += 1
            ctx.progress(written, total, stage)
            return data

        for name, make in entries:
            yield name, partial(render, make)

    contents = zip_contents(
        session, query, base_url=str(base_url).rstrip("/"),
        url_prefix=ctx.app.config["LMS_URL_PREFIX"] or "", language=params.get("language", "vi"),
        timezone=ctx.app.config["LMS_TIMEZONE"],
    )
    processes = render_processes(int(ctx.app.config["LMS_CERTIFICATE_RENDER_PROCESSES"]), total)
    entries: Iterator[Entry]
    if processes > 1:
        entries = rendered(contents, render_certificate, processes=processes)
    else:
        entries = ((name, partial(render_certificate, content)) for name, content in contents)
    size = ctx.write_result(params["filename"], "application/zip", stream_zip(counted(entries)))
    ctx.progress(written, total, stage, force=True)
    ctx.job.summary = {"certificates": written, "bytes": size, "processes": processes}
