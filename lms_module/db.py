"""Declare the shared SQLAlchemy base, column aliases and the per-request session."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from flask import current_app, g
from sqlalchemy import (
    DateTime,
    Enum,
    Integer,
    MetaData,
    SQLColumnExpression,
    String,
    and_,
    func,
    literal_column,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table of the module (all tables are prefixed ``lms_``)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Return the current time as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


IntPK = Annotated[int, mapped_column(Integer, primary_key=True)]
Timestamp = Annotated[dt.datetime, mapped_column(DateTime(timezone=True), default=utcnow)]
Name = Annotated[str, mapped_column(String(200))]
#: A materialized path ("/1/7/42/"). PostgreSQL compares it bytewise (collation "C") so a
#: subtree is one index range scan; SQLite's default BINARY collation already does.
PathString = String(600).with_variant(String(600, collation="C"), "postgresql")


def string_enum(enum_cls: type[enum.StrEnum], name: str) -> Enum:
    """Return a column type storing ``enum_cls``'s values (not member names) as VARCHAR + CHECK.

    Portable and readable in plain SQL; ``name`` names the CHECK constraint.
    """
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=30,
        values_callable=lambda members: [m.value for m in members],
    )


def subtree_condition(
    path_column: SQLColumnExpression[str], prefix: str | SQLColumnExpression[str]
) -> ColumnElement[bool]:
    """Match every path under ``prefix`` (itself included) with an index-friendly range.

    Paths are ids and "/" and end with "/"; ":" sorts right after the digits, so the strings
    that start with ``prefix`` are exactly those in ``[prefix, prefix + ":")``. ``prefix`` may
    be a string or another path column (a join from a unit to its subtree).
    """
    return and_(path_column >= prefix, path_column < prefix + ":")


def child_segment(
    path_column: SQLColumnExpression[str], prefix: str, dialect_name: str
) -> ColumnElement[str]:
    """The id (as text) of the child of ``prefix`` that a path strictly under it runs through.

    ``/1/2/7/9/`` under ``/1/2/`` gives ``"7"``. Grouping a subtree's rows by it splits them
    among the children in one index range scan; callers must exclude ``prefix`` itself.
    """
    rest = func.substr(path_column, literal_column(str(len(prefix) + 1)))
    slash = func.strpos(rest, "/") if dialect_name == "postgresql" else func.instr(rest, "/")
    return func.substr(rest, 1, slash - 1)


def read_rows(session: Session, statement: Any, params: dict[str, Any]) -> Any:
    """Run a SELECT of plain columns (no mapped entities) in the session's transaction and
    return its result.

    For the statements every page runs: it skips the ORM's work for entities, which such a
    statement does not need. What the session would flush before a query is flushed first,
    as ``Session.execute`` does (unless autoflush is off).
    """
    if session.autoflush:
        session.flush()  # nothing to do, and quick, when the session holds no change
    return session.connection().execute(statement, params)


def write_rows(session: Session, statement: Any, params: Any) -> None:
    """Run an INSERT, UPDATE or DELETE of a table's plain columns (no mapped entities) in the
    session's transaction; ``params`` is one row's parameters or a list of rows.

    For the writes every learner's submission makes (an attempt, a score, a completion, a
    block's fields): it skips the ORM's handling of the statement, as :func:`read_rows` does
    for reads. Changes the session holds are flushed first. Not for memberships: the session
    forgets the memberships it read on ORM writes only (``people.services``).
    """
    if session.autoflush:
        session.flush()
    session.connection().execute(statement, params)


def dialect_insert(session: Session, model: Any) -> Any:
    """Return an INSERT for ``model`` that supports ``on_conflict_*`` on this database."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model)


def db_session() -> Session:
    """Return the SQLAlchemy session of the current app context, opening one if needed."""
    if "lms_db_session" not in g:
        g.lms_db_session = current_app.extensions["lms"].session_factory()
    session: Session = g.lms_db_session
    return session


def close_db_session(_exc: BaseException | None = None) -> None:
    """Close the app context's session (registered as a teardown handler)."""
    session = g.pop("lms_db_session", None)
    if session is not None:
        session.close()
