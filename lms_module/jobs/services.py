"""Start jobs, follow them, and read their results.

A view starts a job and sends the person to its page::

    job = start_job(session, kind="certificates.zip", params={...}, user=user, unit=school,
                    key=f"certificates.zip:{school.id}")
    session.commit()
    enqueue(job)
    return redirect(url_for("lms.jobs.show", job_id=job.id))

With ``LMS_REDIS_URL`` set, :func:`enqueue` puts the job on the RQ queue and returns at once
(a worker runs it); without Redis (a small embedded install), it runs the job in the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError
from rq import Callback, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms_module.core.errors import AccessDeniedError, LMSError
from lms_module.core.request import current_flask_app
from lms_module.jobs.models import FINISHED, Job, JobFileChunk, JobStatus
from lms_module.jobs.queue import job_queue, redis_connection, redis_url, rq_job_id
from lms_module.jobs.runner import mark_abandoned, run_now
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import User


class NoSuchJobRowError(LMSError):
    """No job has this id (or it is not the person's to follow)."""

    status_code = 404

    def __init__(self) -> None:
        super().__init__("Không tìm thấy việc này. Hãy bắt đầu lại từ trang trước.")


class QueueUnavailableError(LMSError):
    """Redis cannot be reached: the job is recorded but cannot be queued now."""

    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "Hàng đợi công việc đang tạm ngừng. Việc đã được ghi lại; hãy thử lại sau ít phút."
        )


def start_job(
    session: Session,
    *,
    kind: str,
    params: dict[str, Any],
    user: User | None,
    unit: OrgUnit | None,
    key: str | None = None,
) -> Job:
    """Record a new job (flushed, not committed), or return the unfinished one of ``key``.

    The caller commits, then calls :func:`enqueue` with the job (a worker must see the row).
    """
    if key is not None:
        running = session.scalars(
            select(Job)
            .where(Job.key == key, Job.status.not_in(FINISHED))
            .order_by(Job.id.desc())
        ).first()
        if running is not None:
            return running
    job = Job(
        kind=kind, key=key, params=params, status=JobStatus.QUEUED,
        requested_by_id=user.id if user is not None else None,
        org_unit_id=unit.id if unit is not None else None,
    )
    session.add(job)
    session.flush()
    return job


def queue_configured(app: Flask | None = None) -> bool:
    """Tell whether jobs go to a queue (``LMS_REDIS_URL`` set) or run in-process."""
    return bool(redis_url(app or current_app))


def enqueue(job: Job, app: Flask | None = None) -> None:
    """Queue a committed job for a worker, or run it now when no queue is configured.

    Queuing twice is harmless: RQ keeps one job per id and the run is idempotent.
    """
    app = app or current_flask_app()
    if job.status in FINISHED:
        return
    if not queue_configured(app):
        run_now(app, job.id)
        return
    try:
        job_queue(app).enqueue(
            "lms_module.jobs.runner.run_job",
            job.id,
            job_id=rq_job_id(app, job.id),
            retry=Retry(
                max=int(app.config["LMS_JOB_RETRIES"]),
                interval=list(app.config["LMS_JOB_RETRY_SECONDS"]),
            ),
            job_timeout=int(app.config["LMS_JOB_TIMEOUT_SECONDS"]),
            on_failure=Callback("lms_module.jobs.services.rq_failure"),
            result_ttl=86_400,
            failure_ttl=7 * 86_400,
        )
    except RedisError as error:
        raise QueueUnavailableError() from error


def rq_failure(rq_job: RQJob, _connection: Any, *_exc_info: Any) -> None:
    """RQ's failure callback: fail the row when no retry is left (also for a lost worker)."""
    if rq_job.retries_left:
        return
    job_id = int(str(rq_job.args[0]))
    from lms_module.jobs.runner import _app

    app = _app()
    with app.app_context():
        mark_abandoned(app, job_id)


@dataclass(frozen=True)
class Progress:
    """Where a job stands, as its page shows it."""

    status: JobStatus
    done: int
    total: int
    stage: str
    percent: int
    error: str | None


def job_progress(app: Flask, job: Job) -> Progress:
    """Return the job's progress: from its row when finished, else from the worker's reports
    in Redis (the work's own transaction is not committed until it ends)."""
    done, total, stage = job.done, job.total, job.stage
    if job.status is JobStatus.RUNNING and queue_configured(app):
        try:
            meta = RQJob.fetch(rq_job_id(app, job.id), connection=redis_connection(app)).get_meta()
        except (NoSuchJobError, RedisError):
            meta = {}
        reported = meta.get("progress")
        if isinstance(reported, dict):
            done = int(reported.get("done", 0))
            total = int(reported.get("total", 0))
            stage = str(reported.get("stage", ""))
    if job.status is JobStatus.DONE:
        percent = 100
    elif total:
        percent = min(99, done * 100 // total)
    else:
        percent = 0
    return Progress(job.status, done, total, stage, percent, job.error)


def get_job(session: Session, job_id: int, user: User) -> Job:
    """Return the job ``job_id`` if ``user`` started it (the only one who follows it: its
    result may name people); otherwise :class:`NoSuchJobRowError` (ids are not probed)."""
    job = session.get(Job, job_id)
    if job is None or job.requested_by_id != user.id:
        raise NoSuchJobRowError()
    return job


def result_chunks(session: Session, job: Job) -> Iterator[bytes]:
    """Return the job's result file piece by piece (one row in memory at a time).

    Checked now, not when the first piece is read: a view refuses before its response starts.
    """
    if job.status is not JobStatus.DONE or job.result_name is None:
        raise AccessDeniedError("Việc này chưa xong nên chưa có tệp để tải.")
    return _chunks(session, job)


def _chunks(session: Session, job: Job) -> Iterator[bytes]:
    seq = 0
    while True:
        data = session.scalar(
            select(JobFileChunk.data).where(JobFileChunk.job_id == job.id, JobFileChunk.seq == seq)
        )
        if data is None:
            return
        yield data
        seq += 1
