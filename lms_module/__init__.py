"""Safe School LMS as a Flask extension (:class:`LMS`) or a standalone app (:func:`create_app`)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

from lms_module.config import apply_defaults

__all__ = ["LMS", "create_app"]


class LMS:
    """The Flask extension: database, sign-in, translations, blueprints and CLI.

    Use ``LMS(app)`` or ``lms = LMS(); lms.init_app(app)``. State lives in
    ``app.extensions["lms"]`` (this object holds no app).
    """

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Configure ``app``: defaults, database, sign-in, i18n, security, blueprints, CLI."""
        if "lms" in app.extensions:
            raise RuntimeError(
                "Safe School LMS is already registered on this app; call init_app once."
            )
        apply_defaults(app)
        state = LMSState(engine_for(app))
        app.extensions["lms"] = state

        from lms_module import web

        web.init_web(app)

    @staticmethod
    def state(app: Flask) -> LMSState:
        """Return the module's state on ``app``."""
        state: LMSState = app.extensions["lms"]
        return state


class LMSState:
    """Per-app state: the engine, the session factory bound to it, and the URLs that name
    the same file for the app's whole life."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
        #: URLs built once (a block's css or js file...), by what names them and the script
        #: root the app is served under. Not used in debug mode, where files change.
        self.kept_urls: dict[tuple[str, ...], str] = {}


def engine_for(app: Flask) -> Engine:
    """Create the engine from ``LMS_DATABASE_URL`` (default: SQLite in the instance folder)."""
    url = app.config["LMS_DATABASE_URL"]
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'lms.sqlite3'}"
    from lms_module.coverage.invalidation import track_engine

    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    # Every write that changes who is covered marks the rollup, whatever API it uses.
    track_engine(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work while a writer writes.
    # pysqlite's own transaction handling breaks SAVEPOINT: SQLAlchemy emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A request that changes something takes the write lock at BEGIN: a deferred transaction
    # that read first cannot upgrade once another writer committed (SQLITE_BUSY at once, no
    # busy wait), so two saves of one learner arriving together would lose the second.
    from flask import has_request_context, request

    writing = has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
    # Straight to the driver: every request begins one, and nothing about it is SQLAlchemy's
    # to track (``exec_driver_sql`` would build a cursor result for it).
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if writing else "BEGIN")


def create_app(
    config: Mapping[str, Any] | None = None, *, instance_path: str | None = None
) -> Flask:
    """Build a standalone app serving the module at the root.

    :param config: settings that win over ``FLASK_*``/``LMS_*`` environment variables and the
        instance folder's ``lms.cfg``.
    :param instance_path: the instance folder (SQLite file, secret key, ``lms.cfg``); default:
        Flask's ``instance/`` folder beside the package.
    """
    app = Flask("lms_module", instance_relative_config=True, instance_path=instance_path)
    app.config.from_pyfile("lms.cfg", silent=True)
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)
    LMS(app)
    return app


def _instance_secret_key(app: Flask) -> str:
    """Return a secret key kept in the instance folder, creating it on first start."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
