"""Jobs of the coverage area: the full rollup refresh (nightly, or started by hand)."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from lms_module.coverage.rollup import refresh_all
from lms_module.i18n import local_today
from lms_module.jobs.kinds import job_kind
from lms_module.jobs.runner import JobContext


@job_kind("coverage.refresh", title=lazy_gettext("Tính lại độ bao phủ"))
def refresh(ctx: JobContext) -> None:
    """Rebuild the rollup of every target (what the nightly schedule runs)."""
    stage = gettext("Đang tính lại độ bao phủ theo chỉ tiêu…")
    ctx.progress(0, 0, stage, force=True)
    count = refresh_all(
        ctx.session, local_today(), lambda done, total: ctx.progress(done, total, stage)
    )
    ctx.job.summary = {"groups": count}
