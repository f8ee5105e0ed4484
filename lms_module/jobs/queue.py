"""The RQ queue over Redis that carries jobs to the workers (``lms worker``)."""

from __future__ import annotations

from flask import Flask
from redis import Redis
from rq import Queue


def redis_url(app: Flask) -> str | None:
    """Return ``LMS_REDIS_URL`` as redis-py reads it (``redis+unix://`` becomes ``unix://``)."""
    url: str | None = app.config["LMS_REDIS_URL"]
    if url and url.startswith("redis+unix://"):
        return "unix://" + url.removeprefix("redis+unix://")
    return url


def redis_connection(app: Flask) -> Redis:
    """Return a connection to the queue's Redis (``LMS_REDIS_URL`` must be set)."""
    url = redis_url(app)
    if not url:
        raise RuntimeError("LMS_REDIS_URL is not set: the job queue needs Redis")
    return Redis.from_url(url)


def job_queue(app: Flask, connection: Redis | None = None) -> Queue:
    """Return the module's queue (``LMS_QUEUE_NAME``) on its Redis."""
    return Queue(app.config["LMS_QUEUE_NAME"], connection=connection or redis_connection(app))


def rq_job_id(app: Flask, job_id: int) -> str:
    """Return the RQ id of the job whose row is ``job_id`` (the same on every retry).

    Named after the queue (``lms-job-<id>`` with the default one): two installations sharing a
    Redis on their own queues both have a job 1, and RQ's job ids are one namespace per Redis.
    """
    return f"{app.config['LMS_QUEUE_NAME']}-job-{job_id}"
