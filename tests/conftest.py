"""Shared fixtures: one app per session, a rolled-back database per test, factories.

The database is SQLite in a temporary folder, or PostgreSQL when ``LMS_TEST_DATABASE_URL`` is
set (``scripts/test`` starts a throwaway cluster and runs the suite a second time on it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from helpers import (
    PASSWORD,
    SCHOOL_YEAR,
    hashed,
    make_test_app,
    reset_schema,
    rolled_back_session,
    sign_in,
)
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role, User
from lms_module.people.services import add_membership, create_user


def pytest_report_header() -> str:
    return f"database: {os.environ.get('LMS_TEST_DATABASE_URL') or 'SQLite (temporary file)'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgresql = bool(os.environ.get("LMS_TEST_DATABASE_URL", "").startswith("postgresql"))
    skip = pytest.mark.skip(reason="needs PostgreSQL: run scripts/test")
    for item in items:
        if "postgresql_only" in item.keywords and not on_postgresql:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    reset_schema(app)
    yield app
    app.extensions["lms"].engine.dispose()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The test command's Redis (``LMS_TEST_REDIS_URL``), or a private redis-server."""
    configured = os.environ.get("LMS_TEST_REDIS_URL")
    if configured:
        yield configured
        return
    from queue_support import private_redis

    with private_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def queue_app(
    database_url: str, tmp_path: Any, redis_url: str
) -> Iterator[Flask]:
    """An app on a fresh committed database whose jobs go to a real RQ queue (see
    ``tests/queue_support.py``); start a worker with ``queue_support.start_worker``."""
    from queue_support import committed_app

    # Retries after a lost worker wait a second, not RQ's production backoff.
    with committed_app(database_url, tmp_path, redis_url, LMS_JOB_RETRY_SECONDS=[1]) as queued:
        yield queued


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session whose work is rolled back after the test, also what views commit."""
    with rolled_back_session(app) as session:
        yield session


@pytest.fixture
def client(app: Flask, db: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_app(app: Flask, db: Session, database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build another app with different settings, sharing the test's rolled-back database."""
    built: list[Flask] = []

    def make(*, own_database: bool = False, **overrides: Any) -> Flask:
        other = make_test_app(database_url, **overrides)
        if not own_database:
            other.extensions["lms"].session_factory = app.extensions["lms"].session_factory
        built.append(other)
        return other

    yield make
    for other in built:
        other.extensions["lms"].engine.dispose()


@pytest.fixture
def runner(app: Flask, db: Session) -> Any:
    return app.test_cli_runner()


# ---------------------------------------------------------------------------------- factories


@pytest.fixture
def make_unit(db: Session) -> Callable[..., OrgUnit]:
    counter = iter(range(1, 10_000))

    def make(
        kind: OrgKind,
        parent: OrgUnit | None = None,
        *,
        name: str | None = None,
        code: str | None = None,
        **fields: Any,
    ) -> OrgUnit:
        number = next(counter)
        if kind is OrgKind.SCHOOL:
            fields.setdefault("school_level", SchoolLevel.PRIMARY)
        if kind is OrgKind.CLASS:
            fields.setdefault("grade", 2)
            fields.setdefault("school_year", SCHOOL_YEAR)
        unit = create_unit(
            db,
            kind=kind,
            code=code or f"T-{kind.value}-{number}",
            name=name or f"{kind.value} {number}",
            parent=parent,
            **fields,
        )
        db.flush()
        return unit

    return make


@pytest.fixture
def make_user(db: Session) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        role: Role | None = None,
        unit: OrgUnit | None = None,
        *,
        username: str | None = None,
        full_name: str = "Nguyễn Thị Hoa",
        password: str | None = PASSWORD,
        **fields: Any,
    ) -> User:
        number = next(counter)
        user = create_user(
            db, username=username or f"user{number}", full_name=full_name, **fields
        )
        if password is not None:
            user.password_hash = hashed(password)
        if role is not None and unit is not None:
            add_membership(db, user, unit, role, school_year=SCHOOL_YEAR)
        db.flush()
        return user

    return make


@pytest.fixture
def tree(make_unit: Callable[..., OrgUnit]) -> dict[str, OrgUnit]:
    """Two provinces; one has a commune with a primary school and a class, and a THPT school."""
    ministry = make_unit(OrgKind.MINISTRY, name="Bộ GD-ĐT")
    province = make_unit(OrgKind.PROVINCE, ministry, name="Sở GD-ĐT Lai Châu")
    commune = make_unit(OrgKind.COMMUNE, province, name="Xã Tam Đường")
    school = make_unit(OrgKind.SCHOOL, commune, name="Trường Tiểu học Tam Đường")
    class_2a = make_unit(OrgKind.CLASS, school, name="2A", grade=2)
    high_school = make_unit(
        OrgKind.SCHOOL, province, name="Trường THPT Lai Châu",
        school_level=SchoolLevel.UPPER_SECONDARY,
    )
    other_province = make_unit(OrgKind.PROVINCE, ministry, name="Sở GD-ĐT Điện Biên")
    other_school = make_unit(OrgKind.SCHOOL, other_province, name="Trường Tiểu học Mường Thanh")
    other_class = make_unit(OrgKind.CLASS, other_school, name="3B", grade=3)
    return {
        "ministry": ministry,
        "province": province,
        "commune": commune,
        "school": school,
        "class": class_2a,
        "high_school": high_school,
        "other_province": other_province,
        "other_school": other_school,
        "other_class": other_class,
    }


# ---------------------------------------------------------------------------------- sign-in


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    def do_login(user: User) -> FlaskClient:
        response = sign_in(client, user.username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login
