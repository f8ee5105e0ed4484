"""The runtime's stores over SQLAlchemy: block field values and a learner's progress.

:class:`SqlFieldStore` is the runtime's :class:`~lms_module.xblock_runtime.field_data.FieldStore`
over the ``lms_xblock_*_field`` tables; :class:`SqlLearnerProgress` its
:class:`~lms_module.xblock_runtime.progress.ProgressRecorder` and
:class:`~lms_module.xblock_runtime.progress.ProgressReader` over attempts and completions
(the learning services). Both write in the caller's transaction; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lms_module.db import dialect_insert, utcnow
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
        rows: list[FieldRow] = []
        for start in range(0, len(block_scope_ids), _BATCH):
            batch = list(block_scope_ids[start : start + _BATCH])
            if learner_id is None:
                query = select(
                    SharedFieldValue.block_scope_id,
                    SharedFieldValue.scope,
                    SharedFieldValue.field_name,
                    SharedFieldValue.value,
                ).where(SharedFieldValue.block_scope_id.in_(batch))
            else:
                query = select(
                    LearnerFieldValue.block_scope_id,
                    LearnerFieldValue.scope,
                    LearnerFieldValue.field_name,
                    LearnerFieldValue.value,
                ).where(
                    LearnerFieldValue.user_id == learner_id,
                    LearnerFieldValue.block_scope_id.in_(batch),
                )
                if self.since is not None:
                    query = query.where(
                        (LearnerFieldValue.scope != USER_STATE)
                        | (LearnerFieldValue.updated_at >= self.since)
                    )
            result = self.session.execute(query)
            rows += [(bid, scope, name, value) for bid, scope, name, value in result]
        return rows

    def save(
        self, learner_id: int | None, block_scope_id: str, scope: str, field_name: str, value: Any
    ) -> None:
        if learner_id is None:
            statement = dialect_insert(self.session, SharedFieldValue).values(
                scope=scope, block_scope_id=block_scope_id, field_name=field_name, value=value
            )
            self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=["scope", "block_scope_id", "field_name"],
                    set_={"value": statement.excluded.value},
                )
            )
            return
        now = utcnow()
        statement = dialect_insert(self.session, LearnerFieldValue).values(
            user_id=learner_id,
            scope=scope,
            block_scope_id=block_scope_id,
            field_name=field_name,
            value=value,
            updated_at=now,
        )
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "scope", "block_scope_id", "field_name"],
                set_={"value": statement.excluded.value, "updated_at": now},
            )
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
