"""XBlock field data in SQLAlchemy: a key-value store that enforces who may write which scope.

Fields of ``UserScope.NONE`` (content, settings, children, parent) are course content: only
the course loader writes them. Fields of ``UserScope.ONE`` (user state, preferences, user
info) belong to one learner and are read and written only for the runtime's own user.
Fields of ``UserScope.ALL`` (user state summaries) are shared by every learner of a block.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from xblock.exceptions import InvalidScopeError
from xblock.fields import UserScope
from xblock.runtime import KeyValueStore

from lms_module.db import utcnow
from lms_module.learning.models import LearnerFieldValue, SharedFieldValue

#: Cache slot: ("shared" | "learner", block scope id) -> {(scope name, field name): value}.
_Slot = tuple[str, str]
_Values = dict[tuple[str, str], Any]


class ScopeWriteRefusedError(InvalidScopeError):  # type: ignore[misc]
    """A learner's request tried to write course content or another user's state."""


def _scope_name(key: Any) -> str:
    """Return "content", "settings", "children", "parent", "user_state", ... for a key."""
    scope = key.scope
    name = getattr(scope, "name", None) or f"{scope.user.attr_name}/{scope.block.attr_name}"
    return str(name).removeprefix("Scope.")


def _user_scope(key: Any) -> Any:
    # Scope.children and Scope.parent are sentinels without a user scope: they are content.
    return getattr(key.scope, "user", UserScope.NONE)


def _block_scope_id(key: Any) -> str:
    return "" if key.block_scope_id is None else str(key.block_scope_id)


class SqlKeyValueStore(KeyValueStore):  # type: ignore[misc]
    """XBlock ``KeyValueStore`` over the ``lms_xblock_*_field`` tables.

    :param session: the SQLAlchemy session (the caller commits).
    :param user_id: the signed-in learner whose ``UserScope.ONE`` fields are used; ``None``
        for anonymous use and the loader (no learner state at all).
    :param allow_content_writes: let ``UserScope.NONE`` fields be written (the loader only).
    :param read_only: keep writes in this store's memory and never send them to the database
        (a block rendered again to serve a GET: the request must write nothing). The scope
        rules still apply, so a refused write is refused here too.
    """

    def __init__(
        self,
        session: Session,
        *,
        user_id: int | None,
        allow_content_writes: bool = False,
        read_only: bool = False,
    ) -> None:
        self.session = session
        self.user_id = user_id
        self.allow_content_writes = allow_content_writes
        self.read_only = read_only
        self._cache: dict[_Slot, _Values] = {}

    # -------------------------------------------------------------------------- reading

    def _slot_for(self, key: Any) -> _Slot | None:
        if _user_scope(key) == UserScope.ONE:
            if self.user_id is None or key.user_id != self.user_id:
                return None
            return ("learner", _block_scope_id(key))
        return ("shared", _block_scope_id(key))

    def prefetch(self, block_scope_ids: Iterable[str]) -> None:
        """Load the fields of many blocks in a few queries (before rendering a unit)."""
        wanted = sorted({bid for bid in block_scope_ids if ("shared", bid) not in self._cache})
        for start in range(0, len(wanted), 500):
            self._load_shared(wanted[start : start + 500])
        if self.user_id is not None:
            wanted = sorted({bid for bid in block_scope_ids if ("learner", bid) not in self._cache})
            for start in range(0, len(wanted), 500):
                self._load_learner(wanted[start : start + 500])

    def _load_shared(self, block_scope_ids: list[str]) -> None:
        for bid in block_scope_ids:
            self._cache[("shared", bid)] = {}
        rows = self.session.execute(
            select(
                SharedFieldValue.block_scope_id,
                SharedFieldValue.scope,
                SharedFieldValue.field_name,
                SharedFieldValue.value,
            ).where(SharedFieldValue.block_scope_id.in_(block_scope_ids))
        )
        for bid, scope, name, value in rows:
            self._cache[("shared", bid)][(scope, name)] = value

    def _load_learner(self, block_scope_ids: list[str]) -> None:
        for bid in block_scope_ids:
            self._cache[("learner", bid)] = {}
        rows = self.session.execute(
            select(
                LearnerFieldValue.block_scope_id,
                LearnerFieldValue.scope,
                LearnerFieldValue.field_name,
                LearnerFieldValue.value,
            ).where(
                LearnerFieldValue.user_id == self.user_id,
                LearnerFieldValue.block_scope_id.in_(block_scope_ids),
            )
        )
        for bid, scope, name, value in rows:
            self._cache[("learner", bid)][(scope, name)] = value

    def _values(self, slot: _Slot) -> _Values:
        if slot not in self._cache:
            if slot[0] == "shared":
                self._load_shared([slot[1]])
            else:
                self._load_learner([slot[1]])
        return self._cache[slot]

    def get(self, key: Any) -> Any:
        slot = self._slot_for(key)
        if slot is None:
            raise KeyError(key)
        return self._values(slot)[(_scope_name(key), key.field_name)]

    def has(self, key: Any) -> bool:
        slot = self._slot_for(key)
        return slot is not None and (_scope_name(key), key.field_name) in self._values(slot)

    # -------------------------------------------------------------------------- writing

    def _writable_slot(self, key: Any) -> _Slot:
        if _user_scope(key) == UserScope.NONE and not self.allow_content_writes:
            raise ScopeWriteRefusedError(
                f"Field {key.field_name!r} ({key.scope}) is course content: learners cannot "
                "change it. Change the course's OLX and load it again."
            )
        slot = self._slot_for(key)
        if slot is None:
            raise ScopeWriteRefusedError(
                f"Field {key.field_name!r} ({key.scope}) belongs to another user or needs a "
                "signed-in user."
            )
        return slot

    def set(self, key: Any, value: Any) -> None:
        self.set_many({key: value})

    def set_many(self, update_dict: Mapping[Any, Any]) -> None:
        for key, value in update_dict.items():
            slot = self._writable_slot(key)
            scope, name, bid = _scope_name(key), key.field_name, slot[1]
            if self.read_only:
                pass  # kept below, in memory only
            elif slot[0] == "shared":
                self._upsert_shared(scope, bid, name, value)
            else:
                self._upsert_learner(scope, bid, name, value)
            self._values(slot)[(scope, name)] = value

    def delete(self, key: Any) -> None:
        slot = self._writable_slot(key)
        scope, name, bid = _scope_name(key), key.field_name, slot[1]
        if self.read_only:
            pass  # forgotten below, in memory only
        elif slot[0] == "shared":
            self.session.execute(
                delete(SharedFieldValue).where(
                    SharedFieldValue.scope == scope,
                    SharedFieldValue.block_scope_id == bid,
                    SharedFieldValue.field_name == name,
                )
            )
        else:
            self.session.execute(
                delete(LearnerFieldValue).where(
                    LearnerFieldValue.user_id == self.user_id,
                    LearnerFieldValue.scope == scope,
                    LearnerFieldValue.block_scope_id == bid,
                    LearnerFieldValue.field_name == name,
                )
            )
        self._values(slot).pop((scope, name), None)

    def _insert(self) -> Any:
        dialect = self.session.get_bind().dialect.name
        return postgresql.insert if dialect == "postgresql" else sqlite.insert

    def _upsert_shared(self, scope: str, bid: str, name: str, value: Any) -> None:
        statement = self._insert()(SharedFieldValue).values(
            scope=scope, block_scope_id=bid, field_name=name, value=value
        )
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["scope", "block_scope_id", "field_name"],
                set_={"value": statement.excluded.value},
            )
        )

    def _upsert_learner(self, scope: str, bid: str, name: str, value: Any) -> None:
        now = utcnow()
        statement = self._insert()(LearnerFieldValue).values(
            user_id=self.user_id,
            scope=scope,
            block_scope_id=bid,
            field_name=name,
            value=value,
            updated_at=now,
        )
        self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id", "scope", "block_scope_id", "field_name"],
                set_={"value": statement.excluded.value, "updated_at": now},
            )
        )
