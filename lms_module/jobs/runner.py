"""Run a job: the function RQ calls in a worker (:func:`run_job`), and the same in-process.

A run takes three steps, each its own transaction:

1. the row is marked ``running`` (a finished job is left alone: running a job twice does its
   effect once);
2. the kind's work runs in one session; its writes, its result file and ``status = done`` are
   committed together, so a run cut off (a worker killed, the database gone) leaves nothing
   behind and the retry starts clean;
3. on :class:`JobFailed` (bad input: the reason is for the person) the work is rolled back and
   the job fails at once; on any other error it is rolled back, marked ``retrying`` and the
   error re-raised so that RQ retries it with backoff, or ``failed`` on the last try.

Progress is not written to the database while the work's transaction is open (SQLite has one
writer): it goes to the RQ job's ``meta`` in Redis, which the job page reads, and to an optional
callback (the CLI prints it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, has_app_context
from flask_babel import force_locale
from rq import get_current_job
from sqlalchemy import insert
from sqlalchemy.orm import Session

from lms_module.core.request import current_flask_app
from lms_module.db import utcnow
from lms_module.jobs.kinds import get_kind
from lms_module.jobs.models import FINISHED, Job, JobFileChunk, JobStatus
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import User

log = logging.getLogger(__name__)

#: Size of one stored piece of a result file.
CHUNK_BYTES = 1024 * 1024
#: Least seconds between two progress reports (the last one always goes).
PROGRESS_INTERVAL = 0.25

#: Told ``(done, total, stage)`` as the work goes.
ProgressCallback = Callable[[int, int, str], None]


class JobFailed(Exception):
    """The work cannot be done as asked: the job fails now, with ``message`` for the person
    who started it (no retry; nothing it wrote is kept)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class JobContext:
    """What a kind's work gets: its job, a session, and ways to report progress and results."""

    app: Flask
    job: Job
    session: Session
    on_progress: ProgressCallback | None = None
    _last_report: float = field(default=0.0, repr=False)

    @property
    def params(self) -> dict[str, Any]:
        return self.job.params

    def progress(self, done: int, total: int, stage: str = "", *, force: bool = False) -> None:
        """Report that ``done`` of ``total`` steps are done (cheap: throttled)."""
        now = time.monotonic()
        if not force and done < total and now - self._last_report < PROGRESS_INTERVAL:
            return
        self._last_report = now
        self.job.done, self.job.total, self.job.stage = done, total, stage[:300]
        rq_job = get_current_job()
        if rq_job is not None:
            rq_job.meta["progress"] = {"done": done, "total": total, "stage": stage[:300]}
            rq_job.save_meta()  # type: ignore[no-untyped-call]
        if self.on_progress is not None:
            self.on_progress(done, total, stage)

    def requester(self) -> User | None:
        """Return who started the job (``None``: the CLI or the schedule, run by the operator)."""
        user_id = self.job.requested_by_id
        return self.session.get(User, user_id) if user_id is not None else None

    def unit_or_fail(self, message: str) -> OrgUnit:
        """Return the unit the job is about (``params["unit_id"]``), or fail with ``message``
        when it is no longer in the system."""
        unit = self.session.get(OrgUnit, self.params.get("unit_id"))
        if unit is None:
            raise JobFailed(message)
        return unit

    def write_result(self, name: str, content_type: str, chunks: Iterable[bytes]) -> int:
        """Store the result file from ``chunks`` (in pieces, so memory stays flat); return its
        size. It is committed with the job's success, never without it."""
        size = 0
        seq = 0
        pending = bytearray()
        for chunk in chunks:
            pending += chunk
            while len(pending) >= CHUNK_BYTES:
                self._store(seq, bytes(pending[:CHUNK_BYTES]))
                del pending[:CHUNK_BYTES]
                seq += 1
            size += len(chunk)
        if pending or seq == 0:
            self._store(seq, bytes(pending))
        self.job.result_name, self.job.result_type, self.job.result_bytes = (
            name, content_type, size,
        )
        return size

    def _store(self, seq: int, data: bytes) -> None:
        self.session.execute(insert(JobFileChunk).values(job_id=self.job.id, seq=seq, data=data))


def _app() -> Flask:
    """The app whose jobs run here: the current one (``lms worker``), or one built from the
    environment (a worker started with ``rq worker``)."""
    if has_app_context():
        app: Flask = current_flask_app()
        return app
    global _BUILT_APP
    if _BUILT_APP is None:
        from lms_module import create_app

        _BUILT_APP = create_app()
    return _BUILT_APP


_BUILT_APP: Flask | None = None


def run_job(job_id: int) -> str:
    """Run the job whose row is ``job_id`` (what RQ calls); return its final status."""
    app = _app()
    with app.app_context():
        return run_now(app, job_id)


def run_now(app: Flask, job_id: int, on_progress: ProgressCallback | None = None) -> str:
    """Run the job ``job_id`` in this process (see the module's steps); return its status."""
    factory = app.extensions["lms"].session_factory
    with factory() as session:
        job = session.get(Job, job_id, with_for_update=True)
        if job is None:
            log.warning("job %s: no such row, nothing to run", job_id)
            return "missing"
        if job.status in FINISHED:
            return str(job.status.value)
        job.status = JobStatus.RUNNING
        job.runs += 1
        job.started_at = job.started_at or utcnow()
        job.error = None
        session.commit()
    kind = get_kind(job.kind)
    with factory() as session:
        job = session.get_one(Job, job_id)
        context = JobContext(app, job, session, on_progress)
        try:
            with force_locale(job.params.get("language", "vi")):
                kind.run(context)
            job.status = JobStatus.DONE
            job.done = max(job.done, job.total)
            job.finished_at = utcnow()
            session.commit()
            return JobStatus.DONE.value
        except JobFailed as failure:
            session.rollback()
            _finish_failed(factory, job_id, failure.message, retrying=False)
            return JobStatus.FAILED.value
        except Exception:
            session.rollback()
            log.exception("job %s (%s) failed", job_id, job.kind)
            rq_job = get_current_job()
            retrying = bool(rq_job is not None and rq_job.retries_left)
            _finish_failed(factory, job_id, _UNEXPECTED, retrying=retrying)
            raise


#: The reason shown for an error that is not the person's to fix.
_UNEXPECTED = "Có lỗi khi chạy việc này; hệ thống đã ghi lại. Hãy thử lại sau ít phút."


def _finish_failed(factory: Any, job_id: int, message: str, *, retrying: bool) -> None:
    with factory() as session:
        job = session.get_one(Job, job_id)
        job.status = JobStatus.RETRYING if retrying else JobStatus.FAILED
        job.error = message
        if not retrying:
            job.finished_at = utcnow()
        session.commit()


def mark_abandoned(app: Flask, job_id: int, message: str = _UNEXPECTED) -> None:
    """Fail a job RQ gave up on (its worker lost on the last try): called by RQ's failure
    callback so the page does not wait for ever."""
    factory = app.extensions["lms"].session_factory
    with factory() as session:
        job = session.get(Job, job_id)
        if job is not None and job.status not in FINISHED:
            job.status = JobStatus.FAILED
            job.error = message
            job.finished_at = utcnow()
            session.commit()
