"""Jobs of two installations sharing one Redis on their own queues never share an RQ job.

Both have a job 1 (each database numbers its own); RQ keeps one namespace of job ids per Redis,
so the id is named after the queue. A deployment on the default queue keeps its ids.
"""

from __future__ import annotations

import uuid

from flask import Flask
from rq.job import Job as RQJob

from lms_module import create_app
from lms_module.jobs.queue import job_queue, redis_connection, rq_job_id


def _app(tmp_path, queue: str, redis_url: str | None = None) -> Flask:
    return create_app({"LMS_DATABASE_URL": f"sqlite:///{tmp_path / queue}.sqlite3",
                       "SECRET_KEY": "k", "LMS_QUEUE_NAME": queue, "LMS_REDIS_URL": redis_url})


def test_job_1_of_two_queues_on_one_redis_stays_two_jobs(tmp_path, redis_url):
    names = [f"lms-test-{uuid.uuid4().hex[:8]}" for _ in range(2)]  # other test runs share Redis
    apps = [_app(tmp_path, name, redis_url) for name in names]
    connection = redis_connection(apps[0])
    queues = [job_queue(app, connection) for app in apps]
    try:
        for app, queue in zip(apps, queues, strict=True):
            queue.enqueue("lms_module.jobs.runner.run_job", 1, job_id=rq_job_id(app, 1))
        origins = [RQJob.fetch(rq_job_id(app, 1), connection=connection).origin for app in apps]
        assert origins == names
        assert [queue.count for queue in queues] == [1, 1]
    finally:
        for queue in queues:
            queue.delete(delete_jobs=True)
    assert rq_job_id(_app(tmp_path, "lms"), 1) == "lms-job-1"
