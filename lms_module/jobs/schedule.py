"""What runs on a schedule (``lms scheduler``), and how a scheduled run becomes a job.

Times are cron expressions in UTC (Việt Nam is UTC+7): 00:00 UTC is 07:00 in Hà Nội. Each
tick enqueues :func:`run_scheduled` on the module's queue; a worker then records a job row for
the tick and runs it. Every scheduled kind is idempotent (a reminder is sent once per event, a
rollup refresh recomputes the same figures), so a tick run twice, or two schedulers, do no harm.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from lms_module.db import utcnow


@dataclass(frozen=True)
class ScheduledJob:
    kind: str
    cron: str
    #: What it does, for ``lms scheduler --list`` and the README.
    description: str


SCHEDULE = (
    ScheduledJob("notifications.sweep", "0 * * * *",
                 "hourly: reminders before, on and after due dates, renewal notices, escalations"),
    ScheduledJob("notifications.weekly_digest", "0 0 * * 1",
                 "Mondays 07:00 (UTC+7): weekly digest to school managers"),
    ScheduledJob("notifications.monthly_digest", "0 0 1 * *",
                 "the 1st of each month 07:00 (UTC+7): monthly digest to office reviewers"),
    ScheduledJob("coverage.refresh", "30 19 * * *",
                 "02:30 (UTC+7) each night: full rebuild of the coverage rollup"),
)


def run_scheduled(kind: str) -> str:
    """Record a job of ``kind`` for this tick and run it here (we are in a worker)."""
    from lms_module.jobs.runner import _app, run_now
    from lms_module.jobs.services import start_job

    app: Flask = _app()
    with app.app_context():
        factory = app.extensions["lms"].session_factory
        with factory() as session:
            tick = utcnow().strftime("%Y-%m-%dT%H:%M")
            job = start_job(session, kind=kind, params={}, user=None, unit=None,
                            key=f"{kind}@{tick}")
            session.commit()
            job_id = job.id
        return run_now(app, job_id)
