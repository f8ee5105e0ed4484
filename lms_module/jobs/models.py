"""A job the queue runs and the pages follow, and the file it leaves."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms_module.db import Base, IntPK, Timestamp, string_enum
from lms_module.orgs.models import OrgUnit


class JobStatus(enum.StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    #: Failed on an error the queue retries (a worker lost, a database restart): waits again.
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"


#: Statuses after which nothing changes any more.
FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class Job(Base):
    """One piece of long work: a ZIP of certificates, a province import, a rollup refresh...

    ``key`` makes starting idempotent: while a job of the same key is unfinished, starting it
    again returns that job. The work itself commits its effect together with ``status = done``
    (:mod:`~lms_module.jobs.runner`), so a job run twice does its effect once.
    """

    __tablename__ = "lms_job"

    id: Mapped[IntPK]
    #: What to run: a name registered in :mod:`~lms_module.jobs.kinds`.
    kind: Mapped[str] = mapped_column(String(60))
    key: Mapped[str | None] = mapped_column(String(200), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        string_enum(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    #: Progress: ``done`` of ``total`` steps (``total`` 0: not known yet), and what it is doing.
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    stage: Mapped[str] = mapped_column(String(300), default="")
    #: Why it failed, for the person who started it (Vietnamese, no stack trace).
    error: Mapped[str | None] = mapped_column(Text)
    #: Runs started (a retry after a lost worker is a second run).
    runs: Mapped[int] = mapped_column(Integer, default=0)
    #: What the work found or did (counts shown on the page), JSON.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("lms_user.id"), index=True)
    #: The unit whose data the job reads or writes: who may follow it is checked against it.
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("lms_org_unit.id"))
    #: The file it made (a ZIP, a workbook), kept in :class:`JobFileChunk` rows.
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_type: Mapped[str | None] = mapped_column(String(100))
    result_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[Timestamp]
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    org_unit: Mapped[OrgUnit | None] = relationship()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"


class JobFileChunk(Base):
    """A piece (up to 1 MiB) of a job's result file, kept in the database so that a worker on
    another host and the web servers share it without a shared disk."""

    __tablename__ = "lms_job_file_chunk"

    job_id: Mapped[int] = mapped_column(ForeignKey("lms_job.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)
