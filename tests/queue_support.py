"""A real job queue for tests: the test command's Redis, a database of its own, `lms worker`.

Jobs run in another process that must see committed rows, so these tests do not use the
rolled-back ``db`` fixture: :func:`committed_app` makes a fresh database (a SQLite file, or a
new database on the PostgreSQL server of ``LMS_TEST_DATABASE_URL``), migrated, and drops it
afterwards. :func:`start_worker` runs ``lms worker`` on it as production does.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from helpers import make_test_app
from lms_module.jobs.models import FINISHED, Job
from lms_module.migrate import upgrade_database

LMS = Path(sys.executable).with_name("lms")


@contextlib.contextmanager
def private_redis(folder: Path) -> Iterator[str]:
    """Start a redis-server on a unix socket in ``folder`` (nothing saved); yield its URL."""
    socket_path = folder / "redis.sock"
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(socket_path), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert socket_path.exists(), "redis-server did not start"
        yield f"redis+unix://{socket_path}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@contextlib.contextmanager
def fresh_database(base_url: str, folder: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database beside ``base_url``'s; drop it afterwards."""
    if not base_url.startswith("postgresql"):
        yield f"sqlite:///{folder / f'jobs-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"lms_jobs_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def committed_app(base_url: str, folder: Path, redis_url: str, **overrides: Any) -> Iterator[Flask]:
    """An app on a fresh migrated database whose jobs go to ``redis_url`` (a queue of its
    own name, so parallel test runs sharing one Redis never take each other's jobs)."""
    with fresh_database(base_url, folder) as url:
        app = make_test_app(
            url, LMS_REDIS_URL=redis_url, LMS_QUEUE_NAME=f"lms-test-{uuid.uuid4().hex[:8]}",
            **overrides,
        )
        upgrade_database(app.extensions["lms"].engine)
        try:
            yield app
        finally:
            app.extensions["lms"].engine.dispose()


def worker_env(app: Flask) -> dict[str, str]:
    """The environment ``lms worker`` needs to serve ``app``'s database and queue."""
    config = app.config
    return {
        **os.environ,
        "LMS_DATABASE_URL": str(config["LMS_DATABASE_URL"]),
        "LMS_REDIS_URL": str(config["LMS_REDIS_URL"]),
        "LMS_QUEUE_NAME": str(config["LMS_QUEUE_NAME"]),
        "LMS_SCHOOL_YEAR": str(config["LMS_SCHOOL_YEAR"]),
        "LMS_PUBLIC_BASE_URL": str(config["LMS_PUBLIC_BASE_URL"]),
        "FLASK_SECRET_KEY": "worker-secret",
    }


def start_worker(
    app: Flask, log: Path, *, burst: bool = False, options: tuple[str, ...] = ()
) -> subprocess.Popen[bytes]:
    """Start ``lms worker`` for ``app`` (its output in ``log``), with ``options`` added."""
    args = [str(LMS), "worker", "--name", f"test-{uuid.uuid4().hex[:8]}", *options]
    if burst:
        args.append("--burst")
    with log.open("ab") as handle:  # the worker keeps its own copy of the descriptor
        return subprocess.Popen(
            args, env=worker_env(app), stdout=handle, stderr=subprocess.STDOUT
        )


def wait_for_job(
    app: Flask, job_id: int, *, timeout: float = 60,
    until: Callable[[Job], bool] = lambda job: job.status in FINISHED,
) -> Job:
    """Poll the job's row until ``until`` holds (default: finished); return it."""
    factory = app.extensions["lms"].session_factory
    deadline = time.monotonic() + timeout
    while True:
        with factory() as session:
            job = session.get_one(Job, job_id)
            if until(job):
                session.expunge(job)
                return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is still {job.status} after {timeout} s")
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a worker we started (TERM, then KILL)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
