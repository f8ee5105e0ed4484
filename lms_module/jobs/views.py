"""A job's page (progress bar, then the result), its status for the page's script, its file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template, stream_with_context, url_for
from werkzeug.wrappers import Response as BaseResponse

from lms_module.auth.access import signed_in
from lms_module.core.assets import StaticFiles
from lms_module.core.downloads import private_file
from lms_module.core.request import current_person
from lms_module.db import db_session
from lms_module.jobs.kinds import get_kind
from lms_module.jobs.models import Job, JobStatus
from lms_module.jobs.services import get_job, job_progress, result_chunks

bp = Blueprint("jobs", __name__, template_folder="templates")

#: The page's script: polls the status and moves the bar (the page works without it).
STATIC_FILES = StaticFiles(Path(__file__).resolve().parent / "static" / "jobs")
bp.url_defaults(STATIC_FILES.url_defaults)


# Like every blueprint's ``static`` endpoint, public without a marker (tests/lms_module/auth).
@bp.get("/jobs-static/<path:filename>")
def static(filename: str) -> BaseResponse:
    """Serve the job page's script (``core/assets.py``: immutable when hashed)."""
    return STATIC_FILES.response(filename)


def _state(job: Job) -> dict[str, Any]:
    progress = job_progress(current_app, job)
    kind = get_kind(job.kind)
    done = progress.status is JobStatus.DONE
    return {
        "status": progress.status.value,
        "done": progress.done,
        "total": progress.total,
        "stage": progress.stage,
        "percent": progress.percent,
        "error": progress.error,
        "file_url": url_for("lms.jobs.result", job_id=job.id)
        if done and job.result_name else None,
        "next_url": kind.done_url(job) if done and kind.done_url is not None else None,
    }


@bp.get("/jobs/<int:job_id>")
@signed_in
def show(job_id: int) -> str:
    """Show the job's progress bar; when it is done, the link to its result."""
    job = get_job(db_session(), job_id, current_person())
    return render_template(
        "jobs/job.html", job=job, kind=get_kind(job.kind), state=_state(job)
    )


@bp.get("/jobs/<int:job_id>/status")
@signed_in
def status(job_id: int) -> BaseResponse:
    """Return the job's state as JSON, for the page's script."""
    job = get_job(db_session(), job_id, current_person())
    return jsonify(_state(job))


@bp.get("/jobs/<int:job_id>/file")
@signed_in
def result(job_id: int) -> BaseResponse:
    """Send the file the job made, streamed from the database piece by piece."""
    session = db_session()
    job = get_job(session, job_id, current_person())
    chunks = result_chunks(session, job)
    response = private_file(
        stream_with_context(chunks), filename=job.result_name or "ket-qua",
        mimetype=job.result_type or "application/octet-stream",
    )
    response.content_length = job.result_bytes
    return response
