"""Mark the units whose coverage rollup a write changes, whatever API the write uses.

Who is covered changes with certificates (issued, re-issued, revoked), memberships (added,
moved, deactivated), accounts (``active``, the ``family_id`` that parents' links set), org
units (moved in the tree, level, grade, year) and a requirement's courses. Every INSERT,
UPDATE and DELETE of those tables goes through SQLAlchemy's ``before_execute`` event,
whichever way it was written: the ORM's unit of work,
``session.execute(insert(...).on_conflict_do_nothing().returning(...))`` as certificates are
issued, bulk ``update()`` or ``insert().from_select()``, or a bare ``connection.execute()``.
:func:`track_statement`, listening there on the module's engine (:func:`track_engine`, called
when the extension creates it; a host app's own engines are left alone), works out the units
the statement touches (before it runs, so a DELETE's rows are still there) and hands them to
:func:`mark_units_dirty`, the one owner of ``lms_coverage_dirty_unit``. SQL text that writes
those tables is refused, unless its author marked the units and says so with the
:data:`MARKED` execution option (``lms synth``).

Marks wait on the connection until its transaction commits (or a report reads the rollup in
the same transaction: :func:`write_marks`), and are then written in one sorted INSERT. So the
dirty rows are the last locks a transaction takes and cannot deadlock with the locks the write
itself needs (a certificate's serial sequence); a rolled-back transaction marks nothing.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Engine, Row, Table, bindparam, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, ClauseElement, TextClause

from lms_module.certification.models import Certificate
from lms_module.coverage.models import (
    CoverageDirtyUnit,
    CoverageProvinceRollup,
    CoverageRollup,
    CoverageSchoolRollup,
    RollupBuild,
    tier_unit_path,
)
from lms_module.obligations.models import requirement_course
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Membership, User

#: Execution option of a statement whose author queued its units with :func:`mark_units_dirty`
#: (needed for SQL text that writes a watched table; other statements are worked out).
MARKED = "coverage_marked"

#: Columns whose change moves a person in or out of the figures, per table.
CERTIFICATE_COLUMNS = frozenset(
    {"user_id", "course_id", "issued_on", "expires_on", "retrain_by", "revoked_at"}
)
MEMBERSHIP_COLUMNS = frozenset({"user_id", "org_unit_id", "role", "school_year", "active"})
#: A user's family joins or splits the families counted in their units (``coverage.families``).
USER_COLUMNS = frozenset({"active", "family_id"})
UNIT_COLUMNS = frozenset({"path", "parent_id", "school_level", "kind", "grade", "school_year"})

#: IN lists are cut to this size (SQLite allows 32766 variables a statement).
CHUNK = 5000


class UntrackedCoverageWriteError(RuntimeError):
    """A write to a table behind the coverage figures that cannot be worked out.

    A programming error, not a user's: raised before the statement runs.
    """


# ---------------------------------------------------------------------------- queued marks


@dataclass
class _Marks:
    """What a connection's transaction has changed so far."""

    units: set[int] = field(default_factory=set)
    #: Unit id -> its new path (a move: the rollup rows keep a copy of the path).
    moved: dict[int, str] = field(default_factory=dict)
    requirements: set[int] = field(default_factory=set)


_queued: weakref.WeakKeyDictionary[Connection, _Marks] = weakref.WeakKeyDictionary()


def _connection(target: Session | Connection) -> Connection:
    return target.connection() if isinstance(target, Session) else target


def _marks(connection: Connection) -> _Marks:
    marks = _queued.get(connection)
    if marks is None:
        marks = _queued[connection] = _Marks()
    return marks


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def mark_units_dirty(target: Session | Connection, unit_ids: Iterable[int]) -> None:
    """Queue units whose rollup rows must be recomputed before the next report.

    The one way into ``lms_coverage_dirty_unit``: :func:`track_statement` calls it for every
    write it sees, and code that writes with SQL text calls it itself. The units are written
    when the transaction commits, or earlier when a report reads (:func:`write_marks`).
    """
    ids = {int(unit_id) for unit_id in unit_ids if unit_id is not None}
    if ids:
        _marks(_connection(target)).units.update(ids)


def mark_users_changed(target: Session | Connection, user_ids: Iterable[int]) -> None:
    """Queue every unit where these users are members (their certificates or account changed)."""
    connection = _connection(target)
    for chunk in _chunks({int(user_id) for user_id in user_ids if user_id is not None}):
        mark_units_dirty(connection, connection.scalars(
            select(Membership.org_unit_id).where(Membership.user_id.in_(chunk)).distinct()
        ))


def write_marks(target: Session | Connection) -> None:
    """Write the marks queued in this transaction now (a report is about to read the rollup).

    A moved unit's rollup rows take its new path at once; units that no longer exist (deleted
    after they were marked) are skipped; a requirement whose courses changed is built again.
    """
    connection = _connection(target)
    marks = _queued.pop(connection, None)
    if marks is None:
        return
    if marks.moved:
        for table in (CoverageRollup, CoverageSchoolRollup, CoverageProvinceRollup):
            connection.execute(
                update(table).where(table.unit_id == bindparam("unit"))
                .values(path=bindparam("new_path")),
                [{"unit": unit, "new_path": path} for unit, path in sorted(marks.moved.items())],
            )
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for chunk in _chunks(marks.units):
        connection.execute(
            insert(CoverageDirtyUnit)
            .from_select(["unit_id"], select(OrgUnit.id).where(OrgUnit.id.in_(chunk)))
            .on_conflict_do_nothing()
        )
    if marks.requirements:
        connection.execute(
            delete(RollupBuild).where(RollupBuild.requirement_id.in_(sorted(marks.requirements)))
        )


def _write_on_commit(connection: Connection) -> None:
    write_marks(connection)


def _forget_on_rollback(connection: Connection) -> None:
    _queued.pop(connection, None)


# ---------------------------------------------------------------------------- reading statements

_UNKNOWN = object()
_WATCHED_TEXT = re.compile(
    r"\b(?:insert\s+into|update|delete\s+from)\s+[\"`]?"
    r"(lms_certificate|lms_membership|lms_user|lms_org_unit|lms_requirement_course)\b",
    re.IGNORECASE,
)


def _key(column: Any) -> str:
    return column if isinstance(column, str) else str(column.key)


def _resolve(value: Any, params: Mapping[str, Any]) -> Any:
    """The Python value a statement writes, or ``_UNKNOWN`` for an SQL expression."""
    if isinstance(value, BindParameter):
        return params.get(value.key, value.effective_value)
    if isinstance(value, ClauseElement):
        return _UNKNOWN
    return value


def _value_rows(statement: Insert | Update) -> list[Mapping[Any, Any]]:
    """The ``values()`` given to the statement, one mapping per row."""
    multi = getattr(statement, "_multi_values", ())
    if multi:
        return [row for rows in multi for row in rows]
    return [getattr(statement, "_values", None) or {}]


def _written(statement: Insert | Update, sets: Sequence[Mapping[str, Any]], name: str) -> set[Any]:
    """The values ``statement`` writes into column ``name`` (nothing written: empty)."""
    found: set[Any] = set()
    for row in _value_rows(statement):
        given = {_key(key): value for key, value in row.items()}
        for params in sets:
            if name in given:
                value = _resolve(given[name], params)
            elif name in params:
                value = params[name]
            else:
                continue
            if value is _UNKNOWN:
                raise UntrackedCoverageWriteError(
                    f"{statement.table} gets {name} from an SQL expression: the coverage rollup "
                    "cannot tell which units change. Queue them with mark_units_dirty() and "
                    f"run the statement with execution_options({MARKED}=True)."
                )
            found.add(value)
    return found


def _inserted(
    connection: Connection, statement: Insert, sets: Sequence[Mapping[str, Any]], name: str
) -> set[Any]:
    """The values an INSERT puts into column ``name`` (INSERT ... SELECT: selected first)."""
    if statement.select is None:
        return _written(statement, sets, name)
    names = [_key(column) for column in statement._select_names or ()]
    if name not in names:
        return set()
    selected = statement.select.subquery()
    column = list(selected.c)[names.index(name)]
    return set(connection.scalars(select(column).distinct(), dict(sets[0])))


def _changed_columns(
    statement: Update, sets: Sequence[Mapping[str, Any]], table: Table
) -> set[str]:
    """The columns an UPDATE sets (from ``values()`` or, as the ORM flushes, its parameters)."""
    names = {_key(key) for row in _value_rows(statement) for key in row}
    columns = set(table.c.keys())
    names.update(key for params in sets for key in params if key in columns)
    return names


def _written_per_set(
    statement: Update, sets: Sequence[Mapping[str, Any]], name: str
) -> list[Any]:
    """The value an UPDATE sets ``name`` to, for each parameter set (``_UNKNOWN``: SQL)."""
    values = getattr(statement, "_values", None) or {}
    given = {_key(key): value for key, value in values.items()}
    return [
        _resolve(given[name], params) if name in given else params.get(name, _UNKNOWN)
        for params in sets
    ]


def _primary_keys(
    statement: Update | Delete, sets: Sequence[Mapping[str, Any]], table: Table
) -> list[Any] | None:
    """The ids of ``WHERE id = :param`` run once per parameter set (an ORM flush), else None."""
    where = statement.whereclause
    if not (
        isinstance(where, BinaryExpression)
        and where.operator is operators.eq
        and isinstance(where.right, BindParameter)
        and getattr(where.left, "name", None) == "id"
        and getattr(getattr(where.left, "table", None), "name", None) == table.name
        and all(where.right.key in params for params in sets)
    ):
        return None
    return [params[where.right.key] for params in sets]


def _matched(
    connection: Connection,
    statement: Update | Delete,
    sets: Sequence[Mapping[str, Any]],
    table: Table,
    *names: str,
) -> list[Row[Any]]:
    """The distinct ``names`` of the rows an UPDATE or DELETE is about to change."""
    query = select(*(table.c[name] for name in names)).distinct()
    where = statement.whereclause
    if where is None:
        return list(connection.execute(query))
    ids = _primary_keys(statement, sets, table)
    rows: list[Row[Any]] = []
    if ids is not None:
        for chunk in _chunks(ids):
            rows += connection.execute(query.where(table.c.id.in_(chunk)))
        return rows
    for params in sets:
        rows += connection.execute(query.where(where), dict(params))
    return rows


# ---------------------------------------------------------------------------- per table


def _certificates(connection: Connection, statement: Any, sets: Sequence[Mapping[str, Any]],
                  table: Table) -> None:
    if isinstance(statement, Insert):
        users = _inserted(connection, statement, sets, "user_id")
    else:
        changed = (
            _changed_columns(statement, sets, table) if isinstance(statement, Update) else None
        )
        if changed is not None and not changed & CERTIFICATE_COLUMNS:
            return
        users = {row.user_id for row in _matched(connection, statement, sets, table, "user_id")}
        if changed and "user_id" in changed:
            users |= _written(statement, sets, "user_id")
    mark_users_changed(connection, users)


def _memberships(connection: Connection, statement: Any, sets: Sequence[Mapping[str, Any]],
                 table: Table) -> None:
    if isinstance(statement, Insert):
        units = _inserted(connection, statement, sets, "org_unit_id")
    else:
        changed = (
            _changed_columns(statement, sets, table) if isinstance(statement, Update) else None
        )
        if changed is not None and not changed & MEMBERSHIP_COLUMNS:
            return
        rows = _matched(connection, statement, sets, table, "org_unit_id")
        units = {row.org_unit_id for row in rows}
        if changed and "org_unit_id" in changed:
            units |= _written(statement, sets, "org_unit_id")
    mark_units_dirty(connection, units)


def _users(connection: Connection, statement: Any, sets: Sequence[Mapping[str, Any]],
           table: Table) -> None:
    if isinstance(statement, Insert):
        return  # a new account is nobody's member yet
    if isinstance(statement, Update) and not (
        _changed_columns(statement, sets, table) & USER_COLUMNS
    ):
        return
    mark_users_changed(connection, [row.id for row in _matched(
        connection, statement, sets, table, "id")])


def _org_units(connection: Connection, statement: Any, sets: Sequence[Mapping[str, Any]],
               table: Table) -> None:
    if not isinstance(statement, Update):
        return  # a new unit has no members yet; a unit with rollup rows cannot be deleted
    changed = _changed_columns(statement, sets, table) & UNIT_COLUMNS
    if not changed:
        return
    rows = _matched(connection, statement, sets, table, "id", "parent_id", "path")
    units = {row.id for row in rows}
    marks = _marks(connection)
    if "path" in changed:
        # The province a unit leaves sums it in its province-tier row: recompute that row.
        mark_units_dirty(connection, {
            int(tier_unit_path(row.path).strip("/").rsplit("/", 1)[-1])
            for row in rows if row.path})
        # The ORM flushes a move as "SET path = :path WHERE id = :pk" per unit: the rollup rows
        # take the new path. A path computed in SQL: the units are recomputed instead.
        ids = _primary_keys(statement, sets, table)
        paths = _written_per_set(statement, sets, "path")
        if ids is not None and _UNKNOWN not in paths:
            marks.moved.update(zip(ids, paths, strict=True))
        # Families are counted once at the lowest common ancestor of their classes, which a
        # move may change: the families of the moved units are counted again.
        mark_units_dirty(connection, units)
    if changed & {"kind", "grade", "school_year"}:
        mark_units_dirty(connection, units)
    if "parent_id" in changed:
        # A class that changes school: both schools' sums change.
        mark_units_dirty(connection, units | {row.parent_id for row in rows})
        mark_units_dirty(connection, _written(statement, sets, "parent_id"))
    if "school_level" in changed:
        # A school's level is its classes' level in the figures.
        mark_units_dirty(connection, units)
        for chunk in _chunks(units):
            mark_units_dirty(connection, connection.scalars(
                select(OrgUnit.id).where(OrgUnit.parent_id.in_(chunk))))


def _requirement_courses(connection: Connection, statement: Any,
                         sets: Sequence[Mapping[str, Any]], table: Table) -> None:
    if isinstance(statement, Insert):
        requirements = _inserted(connection, statement, sets, "requirement_id")
    elif isinstance(statement, Delete):
        requirements = {row.requirement_id for row in _matched(
            connection, statement, sets, table, "requirement_id")}
    else:
        requirements = {row.requirement_id for row in _matched(
            connection, statement, sets, table, "requirement_id")}
        requirements |= _written(statement, sets, "requirement_id")
    _marks(connection).requirements.update(int(r) for r in requirements if r is not None)


_TABLES: dict[str, tuple[Table, Any]] = {
    table.name: (table, handler)
    for table, handler in (
        (cast(Table, Certificate.__table__), _certificates),
        (cast(Table, Membership.__table__), _memberships),
        (cast(Table, User.__table__), _users),
        (cast(Table, OrgUnit.__table__), _org_units),
        (requirement_course, _requirement_courses),
    )
}


def track_statement(
    connection: Connection,
    statement: Any,
    multiparams: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
    execution_options: Mapping[str, Any],
) -> None:
    """Queue the units a write to a watched table changes, before it runs (any API).

    :raises UntrackedCoverageWriteError: SQL text or an upsert writing a watched table
        without :data:`MARKED`, or a unit or holder computed in SQL (the rows cannot be told
        in advance).
    """
    if execution_options.get(MARKED):
        return
    if isinstance(statement, TextClause):
        match = _WATCHED_TEXT.search(statement.text)
        if match:
            raise UntrackedCoverageWriteError(
                f"SQL text writes {match.group(1)}, which the coverage figures are counted "
                "from: queue the units it changes with mark_units_dirty() and run it with "
                f"execution_options({MARKED}=True)."
            )
        return
    if not isinstance(statement, Insert | Update | Delete):
        return
    watched = _TABLES.get(getattr(statement.table, "name", ""))
    if watched is None:
        return
    table, handler = watched
    if type(getattr(statement, "_post_values_clause", None)).__name__ == "OnConflictDoUpdate":
        raise UntrackedCoverageWriteError(
            f"An upsert (ON CONFLICT DO UPDATE) of {table.name} may change rows the coverage "
            "rollup cannot tell in advance: queue their units with mark_units_dirty() and run "
            f"it with execution_options({MARKED}=True)."
        )
    sets = list(multiparams) or [params or {}]
    handler(connection, statement, sets, table)


def track_engine(engine: Engine) -> None:
    """Mark the coverage rollup from every write made through ``engine``."""
    event.listen(engine, "before_execute", track_statement)
    event.listen(engine, "commit", _write_on_commit)
    event.listen(engine, "rollback", _forget_on_rollback)
