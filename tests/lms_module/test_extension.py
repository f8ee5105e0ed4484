"""The module as a Flask extension inside a host app, its configuration and migrations."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

import lms_module.models  # noqa: F401  (all tables on the metadata)
from helpers import csrf_token_from, reset_schema
from lms_module import LMS, create_app
from lms_module.db import Base, db_session
from lms_module.migrate import downgrade_database, upgrade_database
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user


def test_migrations_create_exactly_the_models_schema(app: Flask):
    engine = app.extensions["lms"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": "lms_alembic_version"}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrations_downgrade_to_nothing_and_back(tmp_path):
    host = create_app(
        {"LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}", "SECRET_KEY": "k"}
    )
    engine = host.extensions["lms"].engine
    upgrade_database(engine)
    downgrade_database(engine, "base")
    with engine.connect() as connection:
        tables = set(engine.dialect.get_table_names(connection))
    assert tables == {"lms_alembic_version"}
    upgrade_database(engine)
    with engine.connect() as connection:
        assert "lms_user" in engine.dialect.get_table_names(connection)
    engine.dispose()


@pytest.fixture
def host_app(database_url: str):
    host = Flask("school_portal")
    host.config.update(
        SECRET_KEY="host-secret",
        TESTING=True,
        LMS_DATABASE_URL=database_url,
        LMS_URL_PREFIX="/lms",
        LMS_SECURE_COOKIES=False,
        LMS_LOGIN_RATE_LIMIT="1000 per minute",
    )

    @host.get("/")
    def portal_home() -> str:
        return "Cổng thông tin của trường"

    LMS(host)
    yield host
    host.extensions["lms"].engine.dispose()


def test_host_app_embeds_the_module_under_a_prefix(host_app: Flask, app: Flask):
    client = host_app.test_client()
    assert client.get("/").get_data(as_text=True) == "Cổng thông tin của trường"
    login_page = client.get("/lms/login")
    assert login_page.status_code == 200
    assert 'action="/lms/language"' in login_page.get_data(as_text=True)
    assert client.get("/lms/").headers["Location"].startswith("/lms/login")
    assert client.get("/login").status_code == 404  # nothing leaks outside the prefix
    assert "Content-Security-Policy" not in client.get("/").headers  # host pages untouched


def test_host_app_user_signs_in_under_the_prefix(host_app: Flask):
    with host_app.app_context():
        session = db_session()
        from lms_module.orgs.models import OrgKind
        from lms_module.orgs.services import create_unit

        province = create_unit(session, kind=OrgKind.PROVINCE, code="HOST-P", name="Sở Host")
        user = create_user(session, username="host.reviewer", full_name="Trần Văn An",
                           password="mat-khau-dai-du")
        add_membership(session, user, province, Role.OFFICE_REVIEWER)
        session.commit()
    try:
        client = host_app.test_client()
        token = csrf_token_from(client, "/lms/login")
        response = client.post(
            "/lms/login",
            data={"username": "host.reviewer", "password": "mat-khau-dai-du", "csrf_token": token},
        )
        assert response.headers["Location"] == "/lms/"
        assert "Xin chào, Trần Văn An" in client.get("/lms/").get_data(as_text=True)
    finally:
        reset_schema(host_app)


def test_registering_twice_is_refused(host_app: Flask):
    with pytest.raises(RuntimeError, match="already registered"):
        LMS().init_app(host_app)


def test_configuration_comes_from_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("LMS_MAX_ROSTER_ROWS", "1234")
    app = create_app({"SECRET_KEY": "k"})
    assert app.config["LMS_MAX_ROSTER_ROWS"] == 1234
    assert str(app.extensions["lms"].engine.url).endswith("env.sqlite3")
    app.extensions["lms"].engine.dispose()


def test_explicit_configuration_wins_over_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_MAX_ROSTER_ROWS", "1234")
    app = create_app({"SECRET_KEY": "k", "LMS_MAX_ROSTER_ROWS": 10,
                      "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert app.config["LMS_MAX_ROSTER_ROWS"] == 10
    app.extensions["lms"].engine.dispose()


def test_standalone_app_keeps_its_secret_key_and_database_in_the_instance_folder(tmp_path):
    first = create_app(instance_path=str(tmp_path))
    second = create_app(instance_path=str(tmp_path))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert str(first.extensions["lms"].engine.url) == f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    for built in (first, second):
        built.extensions["lms"].engine.dispose()


def test_a_host_apps_own_database_writes_are_not_watched_by_the_module(app):
    """The coverage hook listens on the module's engine only, not on every engine."""
    from sqlalchemy import create_engine, text

    from lms_module.coverage.invalidation import UntrackedCoverageWriteError

    host_engine = create_engine("sqlite://")
    with host_engine.begin() as connection:
        connection.execute(text("CREATE TABLE lms_user (id INTEGER)"))
        connection.execute(text("UPDATE lms_user SET id = 1"))  # a table that happens to match
    host_engine.dispose()
    with app.extensions["lms"].engine.connect() as connection, pytest.raises(
        UntrackedCoverageWriteError
    ):
        connection.execute(text("UPDATE lms_user SET active = active WHERE 1 = 0"))
