"""``lms worker`` and ``lms scheduler``: the processes that run jobs and start scheduled ones."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from rq.cron import CronScheduler

from lms_module.core.request import current_flask_app
from lms_module.db import db_session
from lms_module.jobs.models import Job, JobStatus
from lms_module.jobs.queue import job_queue, redis_connection
from lms_module.jobs.runner import run_now
from lms_module.jobs.schedule import SCHEDULE, run_scheduled
from lms_module.jobs.services import start_job
from lms_module.orgs.models import OrgUnit


def run_job_here(
    kind: str, params: dict[str, object], unit: OrgUnit | None = None, key: str | None = None
) -> Job:
    """Run a job of ``kind`` in this process, printing its progress; exit 1 if it fails.

    The CLI's long commands (imports, exports, the rollup refresh) run through this: the same
    work as the queue's, recorded as a job, with a line per step on the terminal.
    """
    app = current_flask_app()
    session = db_session()
    job = start_job(session, kind=kind, params={"language": "vi", **params}, user=None,
                    unit=unit, key=key)
    session.commit()
    last = [-1]

    def report(done: int, total: int, stage: str) -> None:
        percent = done * 100 // total if total else 0
        if percent != last[0]:
            last[0] = percent
            click.echo(f"  [{percent:3d}%] {done}/{total} {stage}".rstrip(), err=True)

    run_now(app, job.id, report)
    session.expire_all()
    finished = session.get_one(Job, job.id)
    if finished.status is not JobStatus.DONE:
        raise click.ClickException(finished.error or "Việc không hoàn thành.")
    return finished


#: RQ's defaults (rq.defaults): the options below change them only when asked.
_MONITORING_INTERVAL = 30
_MAINTENANCE_INTERVAL = 600
_ABANDONED_AFTER = 60


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
@click.option("--name", default=None, help="The worker's name (default: host and process id).")
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True, show_default=True,
              help="Also run RQ's scheduler, which re-queues retries when their wait is over "
                   "(one worker at a time does it; at least one worker must).")
@click.option("--job-monitoring-interval", type=click.IntRange(1), default=_MONITORING_INTERVAL,
              show_default=True,
              help="Seconds between two heartbeats of a running job.")
@click.option("--abandoned-after", type=click.IntRange(1), default=_ABANDONED_AFTER,
              show_default=True,
              help="Seconds without a heartbeat after which a running job counts as abandoned "
                   "(its worker lost) and is retried.")
@click.option("--maintenance-interval", type=click.IntRange(1), default=_MAINTENANCE_INTERVAL,
              show_default=True,
              help="Seconds between two looks for abandoned jobs (an idle worker also wakes "
                   "this often).")
@with_appcontext
def worker_command(
    burst: bool, name: str | None, with_scheduler: bool, job_monitoring_interval: int,
    abandoned_after: int, maintenance_interval: int,
) -> None:
    """Run jobs from the queue (ZIPs, imports, exports, reminders) until stopped.

    Start as many as there are cores to spare, on this host or others that share the
    database and Redis. Retries wait in RQ's scheduler, which runs inside the worker. A job
    whose worker is lost (killed, its host down) is retried by another worker once it has had
    no heartbeat for ``--abandoned-after`` seconds, found at its next maintenance.
    """
    from rq import Worker
    from rq.defaults import DEFAULT_WORKER_TTL
    from rq.job import Job as RQJob

    class LMSWorker(Worker):
        """RQ's worker, with the grace after a job's last heartbeat set by the option (RQ
        keeps 60 seconds)."""

        def get_heartbeat_ttl(self, job: RQJob) -> int:
            return int(super().get_heartbeat_ttl(job)) - 60 + abandoned_after

    app = current_flask_app()
    connection = redis_connection(app)
    worker = LMSWorker(
        [job_queue(app, connection)], connection=connection, name=name,
        job_monitoring_interval=job_monitoring_interval,
        maintenance_interval=maintenance_interval,
        # An idle worker waits for a job this long (minus 15 s) before it looks again.
        worker_ttl=min(DEFAULT_WORKER_TTL, max(16, maintenance_interval + 15)),
    )
    click.echo(f"Đang chờ việc trên hàng đợi {app.config['LMS_QUEUE_NAME']!r}…")
    worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the schedule and stop.")
@with_appcontext
def scheduler_command(list_only: bool) -> None:
    """Enqueue the scheduled jobs (reminders, digests, nightly rollup) at their times.

    One scheduler per deployment is enough; a second one does no harm (every scheduled job
    is idempotent).
    """
    for entry in SCHEDULE:
        click.echo(f"{entry.cron:<12} {entry.kind:<30} {entry.description}")
    if list_only:
        return
    app = current_flask_app()
    build_scheduler(app).start()  # type: ignore[no-untyped-call]


def build_scheduler(app: Flask) -> CronScheduler:
    """Return RQ's cron scheduler with every entry of :data:`SCHEDULE` registered."""
    scheduler = CronScheduler(connection=redis_connection(app))
    for entry in SCHEDULE:
        scheduler.register(
            run_scheduled,
            queue_name=app.config["LMS_QUEUE_NAME"],
            args=(entry.kind,),
            cron=entry.cron,
            name=entry.kind,
        )
    return scheduler
