"""The runtime's stores over SQLAlchemy: block field values and a learner's progress.

:class:`SqlFieldStore` is the runtime's :class:`~lms_module.xblock_runtime.field_data.FieldStore`
over the ``lms_xblock_*_field`` tables; :class:`SqlLearnerProgress` its
:class:`~lms_module.xblock_runtime.progress.ProgressRecorder` and
:class:`~lms_module.xblock_runtime.progress.ProgressReader` over attempts and completions
(the learning services). Both write in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lms_module.db import read_rows, utcnow, write_rows
from lms_module.learning.models import Course, LearnerFieldValue, SharedFieldValue
from lms_module.learning.services import (
    course_progress,
    record_block_completion,
    record_grade,
)
from lms_module.people.models import User
from lms_module.xblock_runtime.field_data import FieldRow

#: The scope of a learner's answers and state in a block (what a new attempt starts without).
USER_STATE = "user_state"
#: Block ids per SELECT ... IN (...): well under every database's limit on parameters.
_BATCH = 500


# Built once per process: every unit page and handler call reads field values.
_SHARED_VALUES = select(
    SharedFieldValue.block_scope_id,
    SharedFieldValue.scope,
    SharedFieldValue.field_name,
    SharedFieldValue.value,
).where(SharedFieldValue.block_scope_id.in_(bindparam("ids", expanding=True)))
_LEARNER_VALUES = select(
    LearnerFieldValue.block_scope_id,
    LearnerFieldValue.scope,
    LearnerFieldValue.field_name,
    LearnerFieldValue.value,
).where(
    LearnerFieldValue.user_id == bindparam("user_id"),
    LearnerFieldValue.block_scope_id.in_(bindparam("ids", expanding=True)),
)
_LEARNER_VALUES_SINCE = _LEARNER_VALUES.where(
    (LearnerFieldValue.scope != USER_STATE) | (LearnerFieldValue.updated_at >= bindparam("since"))
)
#: Both kinds in one read, each row led by whether it is the learner's (a unit's prefetch).
_BOTH_VALUES, _BOTH_VALUES_SINCE = (
    union_all(
        _SHARED_VALUES.add_columns(literal(False).label("learner")),
        learner.add_columns(literal(True).label("learner")),
    )
    for learner in (_LEARNER_VALUES, _LEARNER_VALUES_SINCE)
)


@functools.cache
def _upsert(dialect: str, *, learner: bool) -> Any:
    """Return the INSERT ... ON CONFLICT DO UPDATE of a field value (built once per process)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    if learner:
        statement = insert(cast(Table, LearnerFieldValue.__table__))
        return statement.on_conflict_do_update(
            index_elements=["user_id", "scope", "block_scope_id", "field_name"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
        )
    statement = insert(cast(Table, SharedFieldValue.__table__))
    return statement.on_conflict_do_update(
        index_elements=["scope", "block_scope_id", "field_name"],
        set_={"value": statement.excluded.value},
    )


class SqlFieldStore:
    """Field values in ``lms_xblock_shared_field`` (shared) and ``lms_xblock_learner_field``.

    :param session: the SQLAlchemy session (the caller commits).
    :param since: a learner's ``user_state`` values written before this moment are not read
        (the course was opened again: :func:`~lms_module.learning.services.current_attempt`);
        they stay as history and are overwritten by the new attempt's answers.
    """

    def __init__(self, session: Session, *, since: dt.datetime | None = None) -> None:
        self.session = session
        self.since = since

    def values(self, learner_id: int | None, block_scope_ids: Sequence[str]) -> Iterable[FieldRow]:
        if learner_id is None:
            statement, params = _SHARED_VALUES, {}
        else:
            statement = _LEARNER_VALUES if self.since is None else _LEARNER_VALUES_SINCE
            params = {"user_id": learner_id, "since": self.since}
        rows: list[FieldRow] = []
        for start in range(0, len(block_scope_ids), _BATCH):
            batch = list(block_scope_ids[start : start + _BATCH])
            result = read_rows(self.session, statement, {**params, "ids": batch})
            rows += [(bid, scope, name, value) for bid, scope, name, value in result]
        return rows

    def values_with_shared(
        self, learner_id: int, block_scope_ids: Sequence[str]
    ) -> tuple[Iterable[FieldRow], Iterable[FieldRow]]:
        statement = _BOTH_VALUES if self.since is None else _BOTH_VALUES_SINCE
        params = {"user_id": learner_id, "since": self.since}
        shared: list[FieldRow] = []
        learner: list[FieldRow] = []
        for start in range(0, len(block_scope_ids), _BATCH):
            batch = list(block_scope_ids[start : start + _BATCH])
            for bid, scope, name, value, mine in read_rows(
                self.session, statement, {**params, "ids": batch}
            ):
                (learner if mine else shared).append((bid, scope, name, value))
        return shared, learner

    def save(
        self, learner_id: int | None, block_scope_id: str, scope: str, field_name: str, value: Any
    ) -> None:
        self.save_many(learner_id, [(block_scope_id, scope, field_name, value)])

    def save_many(self, learner_id: int | None, rows: Sequence[FieldRow]) -> None:
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        if learner_id is None:
            write_rows(
                self.session,
                _upsert(dialect, learner=False),
                [
                    {"scope": scope, "block_scope_id": bid, "field_name": name, "value": value}
                    for bid, scope, name, value in rows
                ],
            )
            return
        now = utcnow()
        write_rows(
            self.session,
            _upsert(dialect, learner=True),
            [
                {
                    "user_id": learner_id,
                    "scope": scope,
                    "block_scope_id": bid,
                    "field_name": name,
                    "value": value,
                    "updated_at": now,
                }
                for bid, scope, name, value in rows
            ],
        )

    def delete(
        self, learner_id: int | None, block_scope_id: str, scope: str, field_name: str
    ) -> None:
        if learner_id is None:
            self.session.execute(
                delete(SharedFieldValue).where(
                    SharedFieldValue.scope == scope,
                    SharedFieldValue.block_scope_id == block_scope_id,
                    SharedFieldValue.field_name == field_name,
                )
            )
        else:
            self.session.execute(
                delete(LearnerFieldValue).where(
                    LearnerFieldValue.user_id == learner_id,
                    LearnerFieldValue.scope == scope,
                    LearnerFieldValue.block_scope_id == block_scope_id,
                    LearnerFieldValue.field_name == field_name,
                )
            )


class SqlLearnerProgress:
    """One learner's grades and completion in one course, through the learning services.

    Records with :func:`~lms_module.learning.services.record_grade` and
    :func:`~lms_module.learning.services.record_block_completion` (each takes the learner's
    progress lock); reads the completions of :func:`~lms_module.learning.services.course_progress`
    (containers aggregated from their children).
    """

    def __init__(self, session: Session, user: User, course: Course) -> None:
        self.session = session
        self.user = user
        self.course = course

    def record_grade(self, usage_id: str, score: float, max_score: float) -> None:
        record_grade(self.session, self.user, self.course, usage_id, score, max_score)

    def record_completion(self, usage_id: str, completion: float) -> None:
        record_block_completion(self.session, self.user, self.course, usage_id, completion)

    def completions(self) -> Mapping[str, float]:
        return course_progress(self.session, self.user, self.course).completion
