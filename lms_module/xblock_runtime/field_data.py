"""XBlock field data: a key-value store that enforces who may write which scope, over a store.

Fields of ``UserScope.NONE`` (content, settings, children, parent) are course content: only
the course loader writes them. Fields of ``UserScope.ONE`` (user state, preferences, user
info) belong to one learner and are read and written only for the runtime's own user.
Fields of ``UserScope.ALL`` (user state summaries) are shared by every learner of a block.

The values themselves live in a :class:`FieldStore`: :class:`MemoryFieldStore` here (the
runtime's own tests, the workbench of a block author), an SQL one in the LMS
(``lms_module.learning.learner_state.SqlFieldStore``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from xblock.exceptions import InvalidScopeError
from xblock.fields import UserScope
from xblock.runtime import KeyValueStore

#: One stored value: (block scope id, scope name, field name, value).
FieldRow = tuple[str, str, str, Any]
#: Cache slot: ("shared" | "learner", block scope id) -> {(scope name, field name): value}.
_Slot = tuple[str, str]
_Values = dict[tuple[str, str], Any]
#: No value stored (a field never written, or deleted).
_MISSING: Any = object()


class ScopeWriteRefusedError(InvalidScopeError):  # type: ignore[misc]
    """A learner's request tried to write course content or another user's state."""


class FieldStore(Protocol):
    """Where field values are kept: shared by every learner, or one learner's own.

    ``learner_id`` is the learner's user id for ``UserScope.ONE`` fields and ``None`` for
    shared ones (content, settings, children, parent, user state summaries). Values are
    JSON-ready (XBlock serialises a field with ``to_json`` before it is stored). The store
    checks nothing: :class:`ScopedKeyValueStore` decides what may be read and written.
    """

    def values(self, learner_id: int | None, block_scope_ids: Sequence[str]) -> Iterable[FieldRow]:
        """Return every stored value of the blocks ``block_scope_ids`` for ``learner_id``."""
        ...

    def values_with_shared(
        self, learner_id: int, block_scope_ids: Sequence[str]
    ) -> tuple[Iterable[FieldRow], Iterable[FieldRow]]:
        """Return the shared values and ``learner_id``'s values of the blocks, read together
        (a unit's fields before it renders: one read, not one per kind)."""
        ...

    def save(
        self, learner_id: int | None, block_scope_id: str, scope: str, field_name: str, value: Any
    ) -> None:
        """Store ``value``, replacing what was stored under the same key."""
        ...

    def save_many(self, learner_id: int | None, rows: Sequence[FieldRow]) -> None:
        """Store each (block scope id, scope, field name, value) of ``rows`` as :meth:`save`
        does, at once (a block saving several fields)."""
        ...

    def delete(
        self, learner_id: int | None, block_scope_id: str, scope: str, field_name: str
    ) -> None:
        """Forget the value stored under this key (nothing happens if there is none)."""
        ...


class MemoryFieldStore:
    """A :class:`FieldStore` in a dictionary (the reference version, as XBlock's
    ``DictKeyValueStore``). Values go through JSON, as they would to a database, so a block
    never shares a list or dict with the store."""

    def __init__(self) -> None:
        #: (learner id or None, block scope id, scope, field name) -> JSON text.
        self.rows: dict[tuple[int | None, str, str, str], str] = {}

    def values(self, learner_id: int | None, block_scope_ids: Sequence[str]) -> Iterable[FieldRow]:
        wanted = set(block_scope_ids)
        return [
            (bid, scope, name, json.loads(value))
            for (owner, bid, scope, name), value in self.rows.items()
            if owner == learner_id and bid in wanted
        ]

    def values_with_shared(
        self, learner_id: int, block_scope_ids: Sequence[str]
    ) -> tuple[Iterable[FieldRow], Iterable[FieldRow]]:
        return self.values(None, block_scope_ids), self.values(learner_id, block_scope_ids)

    def save(
        self, learner_id: int | None, block_scope_id: str, scope: str, field_name: str, value: Any
    ) -> None:
        self.rows[(learner_id, block_scope_id, scope, field_name)] = json.dumps(value)

    def save_many(self, learner_id: int | None, rows: Sequence[FieldRow]) -> None:
        for block_scope_id, scope, field_name, value in rows:
            self.save(learner_id, block_scope_id, scope, field_name, value)

    def delete(
        self, learner_id: int | None, block_scope_id: str, scope: str, field_name: str
    ) -> None:
        self.rows.pop((learner_id, block_scope_id, scope, field_name), None)


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


class ScopedKeyValueStore(KeyValueStore):  # type: ignore[misc]
    """XBlock ``KeyValueStore`` over a :class:`FieldStore`, enforcing the scope rules.

    :param store: where the values are kept (the caller commits, if it is a database).
    :param user_id: the signed-in learner whose ``UserScope.ONE`` fields are used; ``None``
        for anonymous use and the loader (no learner state at all).
    :param allow_content_writes: let ``UserScope.NONE`` fields be written (the loader only).
    :param read_only: keep writes in this key-value store's memory and never send them to the
        store (a block rendered to serve a GET: the request must write nothing). The scope
        rules still apply, so a refused write is refused here too.
    """

    def __init__(
        self,
        store: FieldStore,
        *,
        user_id: int | None,
        allow_content_writes: bool = False,
        read_only: bool = False,
    ) -> None:
        self.store = store
        self.user_id = user_id
        self.allow_content_writes = allow_content_writes
        self.read_only = read_only
        self._cache: dict[_Slot, _Values] = {}
        #: Read-only: what blocks stored, by (slot, scope, field): (value before, value now),
        #: _MISSING for none. Kept by :meth:`deferred_writes` for a later request to store.
        self._deferred: dict[tuple[_Slot, str, str], tuple[Any, Any]] = {}

    # -------------------------------------------------------------------------- reading

    def _slot_for(self, key: Any) -> _Slot | None:
        if _user_scope(key) == UserScope.ONE:
            if self.user_id is None or key.user_id != self.user_id:
                return None
            return ("learner", _block_scope_id(key))
        return ("shared", _block_scope_id(key))

    def _owner(self, slot: _Slot) -> int | None:
        return self.user_id if slot[0] == "learner" else None

    def prefetch(self, block_scope_ids: Iterable[str]) -> None:
        """Load the fields of many blocks at once (before rendering a unit): the shared ones
        and the learner's in one read when neither is loaded yet."""
        wanted = set(block_scope_ids)
        shared = sorted(bid for bid in wanted if ("shared", bid) not in self._cache)
        if self.user_id is None:
            if shared:
                self._load("shared", shared)
            return
        learner = sorted(bid for bid in wanted if ("learner", bid) not in self._cache)
        if shared and shared == learner:
            shared_rows, learner_rows = self.store.values_with_shared(self.user_id, shared)
            self._keep("shared", shared, shared_rows)
            self._keep("learner", learner, learner_rows)
            return
        if shared:
            self._load("shared", shared)
        if learner:
            self._load("learner", learner)

    def _load(self, kind: str, block_scope_ids: list[str]) -> None:
        owner = self.user_id if kind == "learner" else None
        self._keep(kind, block_scope_ids, self.store.values(owner, block_scope_ids))

    def _keep(self, kind: str, block_scope_ids: list[str], rows: Iterable[FieldRow]) -> None:
        for bid in block_scope_ids:
            self._cache[(kind, bid)] = {}
        for bid, scope, name, value in rows:
            self._cache[(kind, bid)][(scope, name)] = value

    def _values(self, slot: _Slot) -> _Values:
        if slot not in self._cache:
            self._load(slot[0], [slot[1]])
        return self._cache[slot]

    def get(self, key: Any) -> Any:
        slot = self._slot_for(key)
        if slot is None:
            raise KeyError(key)
        return self._values(slot)[(_scope_name(key), key.field_name)]

    def has(self, key: Any) -> bool:
        slot = self._slot_for(key)
        return slot is not None and (_scope_name(key), key.field_name) in self._values(slot)

    def default(self, key: Any) -> Any:
        """No default of our own: the field's default applies (XBlock's ``KeyValueStore``
        says so with a ``KeyError`` holding the key's ``repr``, built for every field a
        render reads unset; the field's name is enough)."""
        raise KeyError(key.field_name)

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
        # Every key is checked before anything is stored; then one save per owner.
        slots = [(self._writable_slot(key), key, value) for key, value in update_dict.items()]
        saves: dict[int | None, list[FieldRow]] = {}
        for slot, key, value in slots:
            scope, name = _scope_name(key), key.field_name
            if not self.read_only:
                saves.setdefault(self._owner(slot), []).append((slot[1], scope, name, value))
            else:
                self._defer(slot, scope, name, value)
            self._values(slot)[(scope, name)] = value
        for owner, rows in saves.items():
            self.store.save_many(owner, rows)

    def delete(self, key: Any) -> None:
        slot = self._writable_slot(key)
        scope, name = _scope_name(key), key.field_name
        if not self.read_only:
            self.store.delete(self._owner(slot), slot[1], scope, name)
        else:
            self._defer(slot, scope, name, _MISSING)
        self._values(slot).pop((scope, name), None)

    # -------------------------------------------------------------------------- deferred writes

    def _defer(self, slot: _Slot, scope: str, name: str, value: Any) -> None:
        key = (slot, scope, name)
        if key in self._deferred:
            before = self._deferred[key][0]
        else:
            before = self._values(slot).get((scope, name), _MISSING)
        self._deferred[key] = (before, value)

    def deferred_writes(self) -> list[dict[str, Any]]:
        """Return what blocks stored in this read-only store, for a later request to keep.

        Each write names its slot, scope and field, the value it replaced and the value now
        (``"had"``/``"has"`` False: no value); writes that changed nothing are left out.
        """
        writes = []
        for ((kind, block_id), scope, name), (before, after) in self._deferred.items():
            if before is _MISSING and after is _MISSING:
                continue
            if before is not _MISSING and after is not _MISSING and before == after:
                continue
            writes.append(
                {
                    "kind": kind,
                    "block": block_id,
                    "scope": scope,
                    "field": name,
                    "had": before is not _MISSING,
                    "before": None if before is _MISSING else before,
                    "has": after is not _MISSING,
                    "after": None if after is _MISSING else after,
                }
            )
        return writes

    def keep_deferred_writes(self, writes: Iterable[Mapping[str, Any]]) -> int:
        """Store ``writes`` (from :meth:`deferred_writes` of an earlier read-only render for
        the same user) where each field still holds the value the render replaced.

        A field changed since (by a handler, another render kept first) is left as it is: a
        render kept late, or twice, never undoes what happened after it.

        :return: how many fields were written.
        """
        kept = 0
        for write in writes:
            kind, block_id = str(write["kind"]), str(write["block"])
            if kind not in ("learner", "shared") or (kind == "learner" and self.user_id is None):
                continue
            slot = (kind, block_id)
            key = (str(write["scope"]), str(write["field"]))
            values = self._values(slot)
            current = values.get(key, _MISSING)
            before = write["before"] if write["had"] else _MISSING
            if current is not before and current != before:
                continue
            if write["has"]:
                self.store.save(self._owner(slot), block_id, key[0], key[1], write["after"])
                values[key] = write["after"]
            else:
                self.store.delete(self._owner(slot), block_id, key[0], key[1])
                values.pop(key, None)
            kept += 1
        return kept
