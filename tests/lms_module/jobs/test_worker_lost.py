"""A job whose worker is killed mid-run is retried by another worker and does its effect once.

Real Redis, real ``lms worker`` processes: the first worker is SIGKILLed (it and its work
horse: the machine lost) while it writes a school's certificate ZIP; RQ notices the job
abandoned when its heartbeat lapses, retries it, and the second worker writes the ZIP from the
start. The row then says ``done`` after two runs, and its file holds each certificate once.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from queue_support import start_worker, stop, wait_for_job
from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job as RQJob
from sqlalchemy import select

from helpers import (
    PASSWORD,
    SCHOOL_YEAR,
    csrf_token_from,
    make_course,
    record_certificate,
    sign_in,
)
from lms_module.certification.jobs import KIND, zip_params
from lms_module.jobs.models import Job, JobFileChunk, JobStatus
from lms_module.jobs.queue import redis_connection, rq_job_id
from lms_module.jobs.runner import CHUNK_BYTES
from lms_module.jobs.services import enqueue, result_chunks, start_job
from lms_module.learning.models import Audience
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role, User
from lms_module.people.services import add_membership, create_user

CERTIFICATES = 120
#: Heartbeats every second, abandoned after 3 s without one, looked for every second.
QUICK = ("--job-monitoring-interval", "1", "--abandoned-after", "3",
         "--maintenance-interval", "1")


def _school_with_certificates(app: Flask, count: int = CERTIFICATES) -> tuple[int, int]:
    """Commit a school with ``count`` certificates and its manager; return their ids."""
    with app.app_context(), app.extensions["lms"].session_factory() as session:
        province = create_unit(session, kind=OrgKind.PROVINCE, code="Q-LC", name="Sở Lai Châu")
        school = create_unit(session, kind=OrgKind.SCHOOL, code="Q-TH", name="Trường TH Quyết",
                             parent=province, school_level=SchoolLevel.PRIMARY)
        klass = create_unit(session, kind=OrgKind.CLASS, code="Q-2A", name="2A", parent=school,
                            grade=2, school_year=SCHOOL_YEAR)
        manager = create_user(session, username="ql.quyet", full_name="Lò Văn Quyết",
                              password=PASSWORD)
        add_membership(session, manager, school, Role.SCHOOL_MANAGER, school_year=SCHOOL_YEAR)
        course = make_course(session, "q-hs", Audience.STUDENT, (1, 5))
        for number in range(count):
            student = create_user(session, username=f"hs.q{number}",
                                  full_name=f"Học Sinh Số {number:03d}", password=None)
            add_membership(session, student, klass, Role.STUDENT, school_year=SCHOOL_YEAR)
            session.flush()
            record_certificate(session, student, course, issued=dt.date(2026, 10, 1),
                               expires=dt.date(2027, 7, 31))
        session.commit()
        return school.id, manager.id


def _progress(app: Flask, connection: Redis, job_id: int) -> dict[str, int]:
    meta = RQJob.fetch(rq_job_id(app, job_id), connection=connection).get_meta()
    progress = meta.get("progress")
    return progress if isinstance(progress, dict) else {}


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def test_a_job_whose_worker_is_killed_is_retried_and_writes_its_zip_once(
    queue_app: Flask, tmp_path: Path
) -> None:
    school_id, manager_id = _school_with_certificates(queue_app)
    with queue_app.app_context(), queue_app.extensions["lms"].session_factory() as session:
        school = session.get_one(OrgUnit, school_id)
        params = zip_params(school, filename="chung-nhan-Q-TH.zip")
        job = start_job(session, kind=KIND, params=params,
                        user=session.get_one(User, manager_id), unit=school, key="zip:lost")
        session.commit()
        enqueue(job, queue_app)
        job_id = job.id
    connection = redis_connection(queue_app)
    log = tmp_path / "worker.log"

    manager = queue_app.test_client()
    assert sign_in(manager, "ql.quyet").status_code == 302

    # The first worker leaves retries to others (no scheduler): killing it loses no lock.
    first = start_worker(queue_app, log, options=(*QUICK, "--no-scheduler"))
    second = None
    try:
        wait_for_job(queue_app, job_id, until=lambda job: job.status is JobStatus.RUNNING)
        second = start_worker(queue_app, log, options=QUICK)
        assert _wait_for(lambda: _progress(queue_app, connection, job_id).get("done", 0) >= 1,
                         poll=0.01), log.read_text()
        # The machine is lost mid-ZIP: the worker and its work horse stop at once (a ZIP of
        # 120 takes well under a second), then die.
        horses = _children(first.pid)
        assert horses, "the first worker runs no work horse"
        for pid in (first.pid, *horses):
            os.kill(pid, signal.SIGSTOP)
        # The page's script reads the worker's progress while the work is uncommitted.
        state = manager.get(f"/jobs/{job_id}/status").get_json()
        assert state["status"] == "running" and 0 < state["done"] < CERTIFICATES
        assert state["total"] == CERTIFICATES and state["file_url"] is None
        for horse in horses:
            os.kill(horse, signal.SIGKILL)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert _progress(queue_app, connection, job_id)["done"] < CERTIFICATES

        job = wait_for_job(queue_app, job_id, timeout=90)
    finally:
        stop(first)
        if second is not None:
            stop(second)
    assert job.status is JobStatus.DONE, log.read_text()
    assert job.runs == 2
    assert job.summary["certificates"] == CERTIFICATES

    with queue_app.app_context(), queue_app.extensions["lms"].session_factory() as session:
        done = session.get_one(Job, job_id)
        data = b"".join(result_chunks(session, done))
        seqs = session.scalars(
            select(JobFileChunk.seq).where(JobFileChunk.job_id == job_id)
            .order_by(JobFileChunk.seq)
        ).all()
        all_chunks = session.scalars(select(JobFileChunk.job_id)).all()
    assert len(data) == done.result_bytes
    assert seqs == list(range(-(-len(data) // CHUNK_BYTES)))  # no orphan or missing piece
    assert set(all_chunks) == {job_id}
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == len(set(names)) == CERTIFICATES
    holders = sorted(name.rsplit("_", 1)[1] for name in names)
    assert holders == sorted(f"hoc-sinh-so-{n:03d}.pdf" for n in range(CERTIFICATES))


def _wait_for(condition: Callable[[], bool], timeout: float = 60, poll: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except NoSuchJobError:  # not saved in Redis yet
            pass
        time.sleep(poll)
    return False


def test_a_double_click_on_the_zip_button_gives_the_same_job(queue_app: Flask) -> None:
    school_id, _manager_id = _school_with_certificates(queue_app, count=1)
    client = queue_app.test_client()
    sign_in(client, "ql.quyet", PASSWORD)
    token = csrf_token_from(client, f"/units/{school_id}/certificates")
    first, second = (
        client.post(f"/units/{school_id}/certificates.zip", data={"csrf_token": token})
        for _ in range(2)
    )
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with queue_app.extensions["lms"].session_factory() as session:
        (job,) = session.scalars(select(Job)).all()
        assert job.status is JobStatus.QUEUED  # no worker here: it waits on the queue
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'data-status="queued"' in page and "Đang chờ đến lượt" in page
