"""Jobs of this area (registered with lms_module.jobs.kinds.job_kind): a province's roster
checked (``roster.preview``) and imported (``roster.import``) off the request path.

Both read the stored upload (:class:`~lms_module.roster.models.RosterUpload`) and go through
the one planner and writer (:func:`~lms_module.roster.importing.plan_roster`,
:func:`~lms_module.roster.importing.apply_roster`), as a school's import in the request does.
The preview keeps what the page shows in the job's summary (counts, the first problems and
changes); the import plans the file again (the database may have changed since) and writes
everything in the job's one transaction, so a failed or killed import writes nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms_module.core.errors import LMSError
from lms_module.jobs.kinds import job_kind
from lms_module.jobs.models import Job
from lms_module.jobs.runner import JobContext, JobFailed
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import User
from lms_module.roster.importing import apply_roster, plan_roster, roster_limits
from lms_module.roster.models import RosterUpload, UploadStatus
from lms_module.roster.plan import Problem, RosterPlan, RowChange
from lms_module.roster.uploads import close_upload

#: Problems and changed rows a preview keeps for its page (the counts cover them all).
SHOWN_ROWS = 1000


class _Phases:
    """Turn each phase's ``(done, total)`` into one progress bar over all the phases."""

    STEP = 1000

    def __init__(self, context: JobContext, phases: int) -> None:
        self.context = context
        self.phases = phases
        self.phase = -1
        self.stage = ""

    def __call__(self, done: int, total: int, stage: str) -> None:
        if stage != self.stage:
            self.phase = min(self.phase + 1, self.phases - 1)
            self.stage = stage
        part = done * self.STEP // total if total else 0
        self.context.progress(
            self.phase * self.STEP + part, self.phases * self.STEP,
            f"{stage} ({done:,}/{total:,})".replace(",", ".") if total else stage,
        )


@contextlib.contextmanager
def _collector_held() -> Iterator[None]:
    """Hold Python's cyclic garbage collector while a province's rows are planned and written:
    its full passes over the hundreds of thousands of objects held cost more than the work,
    which makes no cycles to free early (a job runs in a worker's own process)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _upload(context: JobContext) -> tuple[RosterUpload, OrgUnit]:
    session = context.session
    upload = session.get(RosterUpload, int(context.params["upload_id"]))
    if upload is None or upload.status is not UploadStatus.PENDING or not upload.content:
        raise JobFailed(_("Tệp này đã được nhập hoặc đã hủy. Hãy tải tệp lên lại."))
    return upload, session.get_one(OrgUnit, upload.org_unit_id)


def _plan(context: JobContext, upload: RosterUpload, unit: OrgUnit, phases: _Phases) -> RosterPlan:
    max_bytes, max_rows = roster_limits(unit, context.app.config)
    importer_id = context.job.requested_by_id
    try:
        return plan_roster(
            context.session, data=upload.content, filename=upload.filename, kind=upload.kind,
            scope=unit,
            importer=context.session.get(User, importer_id) if importer_id else None,
            school_year=str(context.params["school_year"]), max_bytes=max_bytes,
            max_rows=max_rows, progress=phases,
        )
    except LMSError as error:
        raise JobFailed(error.message) from error


def preview_summary(plan: RosterPlan) -> dict[str, Any]:
    """What the preview page shows of a plan, as JSON (the first problems and changed rows)."""
    shown = [change for change in plan.changes if change.status != "unchanged"]
    return {
        "counts": plan.counts,
        "problem_total": len(plan.problems),
        "problems": [
            [p.message, p.fix, p.row, p.column] for p in plan.problems[:SHOWN_ROWS]
        ],
        "changes": [
            [c.row, c.code, c.name, c.place, c.status, c.changes] for c in shown[:SHOWN_ROWS]
        ],
        "new_classes": plan.new_classes,
        "made_codes": plan.made_codes,
        "namesakes": plan.namesakes[:SHOWN_ROWS],
        "school_year": plan.school_year,
    }


class PlanPreview:
    """A preview job's summary, shown by the preview page as a plan is."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.counts: dict[str, int] = summary["counts"]
        self.problem_total: int = summary["problem_total"]
        self.problems = [Problem(m, f, r, c) for m, f, r, c in summary["problems"]]
        self.changes = [RowChange(*fields) for fields in summary["changes"]]
        self.new_classes: list[str] = summary["new_classes"]
        self.made_codes: int = summary["made_codes"]
        self.namesakes: list[str] = summary["namesakes"]
        self.school_year: str = summary["school_year"]

    @property
    def ok(self) -> bool:
        return not self.problem_total and any(self.counts.values())

    def count(self, status: str) -> int:
        return self.counts[status]


def _preview_url(job: Job) -> str:
    return url_for("lms.roster.preview", unit_id=job.org_unit_id,
                   upload_id=job.params["upload_id"], job=job.id)


def _result_url(job: Job) -> str:
    return url_for("lms.roster.imported", unit_id=job.org_unit_id, job_id=job.id)


@job_kind("roster.preview", title=_l("Kiểm tra danh sách"), done_url=_preview_url)
def preview_roster(context: JobContext) -> None:
    """Check a stored roster file (writing nothing) and keep its preview in the summary."""
    upload, unit = _upload(context)
    with _collector_held():
        plan = _plan(context, upload, unit, _Phases(context, 2))
        context.job.summary = preview_summary(plan)


@job_kind("roster.import", title=_l("Nhập danh sách"), done_url=_result_url)
def import_roster(context: JobContext) -> None:
    """Check a stored roster file again and write it all, in the job's one transaction."""
    upload, unit = _upload(context)
    phases = _Phases(context, 3)
    with _collector_held():
        _import(context, upload, unit, phases)


def _import(context: JobContext, upload: RosterUpload, unit: OrgUnit, phases: _Phases) -> None:
    plan = _plan(context, upload, unit, phases)
    gc.collect()  # what reading the file left behind, before the writing's own memory
    if not plan.ok:
        first = plan.problems[0] if plan.problems else None
        raise JobFailed(
            _("Tệp có %(count)s lỗi nên chưa nhập gì (dòng %(row)s: %(message)s). Hãy xem "
              "trước lại, sửa rồi tải tệp lên lại.", count=len(plan.problems),
              row=first.row or "–" if first else "–", message=first.message if first else "")
        )
    try:
        result = apply_roster(
            context.session, plan, actor_id=context.job.requested_by_id,
            filename=upload.filename, sha256=upload.sha256, progress=phases,
        )
        close_upload(upload, UploadStatus.IMPORTED)
        context.session.flush()
    except IntegrityError as error:
        raise JobFailed(
            _("Cơ sở dữ liệu từ chối một dòng trong lúc ghi (dữ liệu vừa được thay đổi ở nơi "
              "khác, hoặc trùng mã) nên chưa nhập gì. Hãy xem trước và nhập lại.")
        ) from error
    context.job.summary = {**result.counts, "classes_created": result.classes_created,
                           "filename": upload.filename}
