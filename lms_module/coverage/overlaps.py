"""Count a person once in every subtree when they are counted in several units.

The rollup counts people where they are members: an adult in each school where they work, a
family in each class where it has a child (:mod:`~lms_module.coverage.families`). Summing those
rows over a commune holding two of a person's schools would count them twice. So for each
person (or family) counted in several units, list the units in path order and write one
:class:`~lms_module.coverage.models.CoverageOverlap` row for each pair of neighbours, at the
pair's lowest common ancestor, subtracting the person once (and once more from the covered
counts when they are covered). A subtree is one range of paths, so the units of a person
inside it are neighbours in that list: summing unit rows and overlap rows over any subtree
counts each person exactly once, and every report keeps summing rows by path range.

Each audience says how to read its people through an :class:`OverlapSource`; this module
owns the rule and the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, cast

from sqlalchemy import Select, Table, delete, insert, or_, select
from sqlalchemy.orm import Session

from lms_module.coverage.models import CoverageOverlap
from lms_module.learning.models import Audience
from lms_module.obligations.query import FAR_FUTURE

#: Keys or units per statement (IN-list size; SQLite allows 32766 variables a statement).
CHUNK = 5000


@dataclass(frozen=True)
class OverlapSource:
    """How one audience's people are read for their overlap rows.

    ``rows(keys)`` selects one row per counted membership with the columns ``person_key``,
    ``unit_id``, ``path``, ``school_level``, ``expiry`` (the last day the person stays covered,
    NULL when not covered; ``FAR_FUTURE`` when it never ends) and ``covered_then`` (1 when
    covered 28 days earlier), for the people with these keys (``None``: at least every person
    counted in several units). ``keys_in(unit_ids)`` selects the keys of the people with a
    membership in these units, counted or not (a superset is harmless).
    """

    rows: Callable[[Sequence[int] | None], Select[Any]]
    keys_in: Callable[[Sequence[int]], Select[Any]]


def lowest_common_path(first: str, second: str) -> str:
    """Return the path of the lowest common ancestor of two units ("/1/2/5/", "/1/2/7/" ->
    "/1/2/")."""
    common = []
    for a, b in zip(first.strip("/").split("/"), second.strip("/").split("/"), strict=False):
        if a != b:
            break
        common.append(a)
    return "/" + "".join(f"{part}/" for part in common)


@dataclass
class _PersonUnits:
    """The units of one person (or family), and whether they are covered."""

    units: dict[int, tuple[str, Any]]  # unit id -> (path, school level)
    expiry: dt.date | None = None
    covered_then: int = 0


def _read_people(rows: Iterable[Any]) -> dict[int, _PersonUnits]:
    people: dict[int, _PersonUnits] = {}
    for row in rows:
        person = people.setdefault(int(row.person_key), _PersonUnits({}))
        person.units[row.unit_id] = (row.path, row.school_level)
        if row.expiry is not None:
            person.expiry = row.expiry if person.expiry is None else max(person.expiry,
                                                                         row.expiry)
        person.covered_then = max(person.covered_then, int(row.covered_then))
    return {key: person for key, person in people.items() if len(person.units) > 1}


def _overlap_rows(
    requirement_id: int, year: str, audience: Audience, people: dict[int, _PersonUnits]
) -> list[dict[str, Any]]:
    """Return the overlap rows of these people (one per pair of neighbouring units)."""
    rows = []
    for key, person in people.items():
        ordered = sorted(person.units.items(), key=lambda item: item[1][0])
        for (left, (left_path, left_level)), (right, (right_path, right_level)) in pairwise(
            ordered
        ):
            path = lowest_common_path(left_path, right_path)
            rows.append({
                "requirement_id": requirement_id,
                "school_year": year,
                "audience": audience.value,
                "person_key": key,
                "unit_id": int(path.strip("/").rsplit("/", 1)[-1]),
                "path": path,
                # A level-filtered report subtracts the pair only when both are of its level.
                "school_level": left_level if left_level == right_level else None,
                "left_unit_id": left,
                "right_unit_id": right,
                "covered": 1 if person.expiry is not None else 0,
                "covered_before": person.covered_then,
                "valid_until": None if person.expiry in (None, FAR_FUTURE) else person.expiry,
            })
    return rows


def write_overlaps(
    session: Session,
    source: OverlapSource,
    *,
    requirement_id: int,
    year: str,
    audience: Audience,
    unit_ids: Sequence[int] | None = None,
) -> set[int]:
    """Rewrite the overlap rows of everyone (``unit_ids=None``) or of the people with a
    membership in these units, now or when their rows were written.

    :returns: the units whose per-school sums include a deleted or written row.
    """
    scope = [
        CoverageOverlap.requirement_id == requirement_id,
        CoverageOverlap.school_year == year,
        CoverageOverlap.audience == audience,
    ]
    touched: set[int] = set()
    if unit_ids is None:
        touched |= set(session.scalars(select(CoverageOverlap.unit_id).where(*scope).distinct()))
        session.execute(delete(CoverageOverlap).where(*scope))
        people = _read_people(session.execute(source.rows(None)))
    else:
        keys: set[int] = set()
        for chunk in _chunks(unit_ids):
            keys |= set(session.scalars(source.keys_in(chunk)))
            keys |= set(session.scalars(
                select(CoverageOverlap.person_key).where(
                    *scope,
                    or_(CoverageOverlap.left_unit_id.in_(chunk),
                        CoverageOverlap.right_unit_id.in_(chunk)),
                ).distinct()))
        people = {}
        for chunk in _chunks(keys):
            touched |= set(session.scalars(
                select(CoverageOverlap.unit_id)
                .where(*scope, CoverageOverlap.person_key.in_(chunk)).distinct()))
            session.execute(delete(CoverageOverlap).where(
                *scope, CoverageOverlap.person_key.in_(chunk)))
            people.update(_read_people(session.execute(source.rows(chunk))))
    rows = _overlap_rows(requirement_id, year, audience, people)
    # A Core INSERT: one executemany, whatever NULLs the rows hold (the ORM's bulk path
    # splits rows into a statement per NULL pattern).
    table = cast(Table, CoverageOverlap.__table__)
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[start:start + CHUNK])
    return touched | {row["unit_id"] for row in rows}


def _chunks(values: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]
