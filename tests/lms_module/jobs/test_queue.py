"""Jobs go through a real RQ queue on Redis to `lms worker`, and run their effect once."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from queue_support import start_worker, stop, wait_for_job
from sqlalchemy import select

from helpers import PASSWORD, hashed, sign_in
from lms_module.jobs.cli import build_scheduler
from lms_module.jobs.models import Job, JobStatus
from lms_module.jobs.queue import redis_connection
from lms_module.jobs.runner import run_now
from lms_module.jobs.schedule import SCHEDULE
from lms_module.jobs.services import enqueue, start_job
from lms_module.people.services import create_user


def _start(app: Flask, kind: str, key: str | None = None) -> int:
    with app.app_context(), app.extensions["lms"].session_factory() as session:
        job = start_job(session, kind=kind, params={}, user=None, unit=None, key=key)
        session.commit()
        enqueue(job, app)
        return job.id


def test_a_worker_runs_a_queued_job_and_a_second_run_changes_nothing(
    queue_app: Flask, tmp_path: Path
) -> None:
    job_id = _start(queue_app, "coverage.refresh")
    with queue_app.extensions["lms"].session_factory() as session:
        assert session.get_one(Job, job_id).status is JobStatus.QUEUED  # no worker yet

    worker = start_worker(queue_app, tmp_path / "worker.log", burst=True)
    try:
        job = wait_for_job(queue_app, job_id)
    finally:
        stop(worker)
    assert job.status is JobStatus.DONE, (tmp_path / "worker.log").read_text()
    assert job.runs == 1
    assert job.summary == {"groups": 0}

    with queue_app.app_context():
        assert run_now(queue_app, job_id) == "done"
    with queue_app.extensions["lms"].session_factory() as session:
        assert session.get_one(Job, job_id).runs == 1


def test_starting_the_same_key_again_while_it_waits_gives_the_same_job(queue_app: Flask) -> None:
    first = _start(queue_app, "coverage.refresh", key="refresh:all")
    again = _start(queue_app, "coverage.refresh", key="refresh:all")
    assert again == first


def test_the_scheduler_enqueues_each_entry_and_a_worker_records_and_runs_it(
    queue_app: Flask, tmp_path: Path
) -> None:
    with queue_app.app_context():
        scheduler = build_scheduler(queue_app)
    entries = {cron_job.name: cron_job for cron_job in scheduler.get_jobs()}
    assert set(entries) == {entry.kind for entry in SCHEDULE}
    weekly = entries["notifications.weekly_digest"].next_enqueue_time
    assert weekly is not None and (weekly.weekday(), weekly.hour, weekly.minute) == (0, 0, 0)

    # A tick of the nightly refresh, as the scheduler enqueues it when its time comes.
    entries["coverage.refresh"].enqueue(redis_connection(queue_app))
    worker = start_worker(queue_app, tmp_path / "worker.log", burst=True)
    try:
        worker.wait(timeout=60)
    finally:
        stop(worker)
    with queue_app.extensions["lms"].session_factory() as session:
        job = session.scalars(select(Job).where(Job.kind == "coverage.refresh")).one()
    assert job.status is JobStatus.DONE, (tmp_path / "worker.log").read_text()
    assert job.key is not None and job.key.startswith("coverage.refresh@")


def test_a_waiting_jobs_page_refreshes_itself_without_javascript_and_offers_no_file(
    queue_app: Flask,
) -> None:
    with queue_app.app_context(), queue_app.extensions["lms"].session_factory() as session:
        user = create_user(session, username="qt.cho", full_name="Lò Văn Chờ")
        user.password_hash = hashed(PASSWORD)
        session.flush()
        job = start_job(session, kind="coverage.refresh", params={}, user=user, unit=None)
        session.commit()
        enqueue(job, queue_app)  # no worker runs: it waits in the queue
        job_id = job.id
    client = queue_app.test_client()
    assert sign_in(client, "qt.cho").status_code == 302

    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page
    assert "Đang chờ đến lượt" in page and 'value="0"' in page
    assert client.get(f"/jobs/{job_id}/status").get_json()["status"] == "queued"
    assert client.get(f"/jobs/{job_id}/file").status_code == 403


def test_the_scheduler_lists_its_schedule(runner) -> None:
    result = runner.invoke(args=["lms", "scheduler", "--list"])
    assert result.exit_code == 0, result.output
    for entry in SCHEDULE:
        assert f"{entry.cron:<12} {entry.kind}" in result.output
