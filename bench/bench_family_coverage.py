"""Measure the families target ("95% of families with children") at province size.

Builds a synthetic province (``lms synth``: 200,000 students, their families and parents) on a
temporary SQLite file, or on the database of ``LMS_DATABASE_URL`` (PostgreSQL), and prints:

* the dashboards of the ministry, the province, a commune and a school for the families target
  beside the same pages for the students target, through the whole WSGI stack;
* the rollup's full build for the families audience beside the students audience;
* incremental updates: a new parent linked to two children in two schools, one parent
  certificate issued; the next report's time and the rollup rows it rewrote, beside a full build;
* the family figures of the rollup at the province, a commune and the two schools of the
  changed families beside the direct distinct count (``figures.direct_subtree_figures``):
  "khớp" or "KHÔNG KHỚP". The exit status is 1 on a mismatch, or when a report after one change
  rewrote as many rollup rows as a full build.

Each comparison interleaves its two sides (A, B, A, B, ...) so that the load of a shared machine
falls on both alike; medians come with their spread (min-max).

    .venv/bin/python bench/bench_family_coverage.py [--students 200000] [--repeats 30] [--rounds 5]
    LMS_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_family_coverage.py
    ... --reuse: measure again on the data of an earlier run (PostgreSQL)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench_coverage import PASSWORD, bench_app, signed_in
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, event, exists, func, select
from sqlalchemy.orm import Session

from lms_module.certification.models import Certificate
from lms_module.certification.services import issue_certificate
from lms_module.coverage.figures import (
    Figures,
    direct_subtree_figures,
    scope_of,
    subtree_figures,
)
from lms_module.coverage.models import CoverageOverlap
from lms_module.coverage.rollup import build_rollup, ensure_rollup
from lms_module.coverage.synth import synthesize
from lms_module.db import db_session, utcnow
from lms_module.families.models import Kinship, LinkSource
from lms_module.families.services import link_adult
from lms_module.i18n import local_today
from lms_module.learning.models import Audience, Completion, Course
from lms_module.obligations.models import CoverageTarget, Requirement
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, create_user

#: The rollup tables whose inserted rows count as "rewritten".
ROLLUP_TABLES = re.compile(
    r"\s*INSERT INTO (lms_coverage_rollup|lms_coverage_school_rollup|lms_coverage_overlap"
    r"|lms_coverage_province_rollup)\b"
)


def summary(samples: Sequence[float]) -> str:
    """Median and spread (min-max) of millisecond samples."""
    return f"{statistics.median(samples):9.1f} ({min(samples):.1f}-{max(samples):.1f})"


def ratio_summary(first: Sequence[float], second: Sequence[float]) -> str:
    """Median and spread of the per-round ratios ``first / second``."""
    ratios = sorted(a / b for a, b in zip(first, second, strict=True))
    return f"{statistics.median(ratios):6.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"


def timed(run: Callable[[], object]) -> float:
    """Milliseconds ``run`` takes."""
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


class RowCounter:
    """Counts the rows inserted into the rollup tables through an engine (any session)."""

    def __init__(self, engine: Any) -> None:
        self.rows: Counter[str] = Counter()
        event.listen(engine, "after_cursor_execute", self._seen)

    def _seen(self, _connection: Connection, cursor: Any, statement: str, *_args: Any) -> None:
        match = ROLLUP_TABLES.match(statement)
        if match and cursor.rowcount > 0:
            self.rows[match.group(1)] += cursor.rowcount

    def counting(self, run: Callable[[], object]) -> tuple[float, int]:
        """Run and return (milliseconds, rows inserted into the rollup tables meanwhile)."""
        self.rows.clear()
        milliseconds = timed(run)
        return milliseconds, sum(self.rows.values())


@contextmanager
def database(app: Flask) -> Iterator[Session]:
    """A session in an app context of its own, committed at the end (the requests in between
    run in theirs, as in production)."""
    with app.app_context():
        session = db_session()
        yield session
        session.commit()


@dataclass(frozen=True)
class Setting:
    """The units, targets and users the bench reads (ids: each step has its own session)."""

    ministry: int
    province: int
    commune: int
    school: int
    other_school: int
    families: int
    students: int
    year: str
    reviewer: str
    manager: str
    stamp: str


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200_000)
    parser.add_argument("--staff", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=30, help="Requests per page and target.")
    parser.add_argument("--rounds", type=int, default=5,
                        help="Full builds per audience, and incremental updates of each kind.")
    parser.add_argument("--reuse", action="store_true",
                        help="Use the synthetic data already in the database.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("LMS_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = bench_app(url)
        engine = app.extensions["lms"].engine
        if not args.reuse:
            with database(app) as session:
                started = time.perf_counter()
                result = synthesize(session, students_per_province=args.students,
                                    staff_per_province=args.staff)
                session.commit()
                print(f"synth: {result.students} students, {result.families} families with a "
                      f"linked adult, {result.parents} parents, {result.adults} staff, "
                      f"{result.certificates} certificates, {result.units} units in "
                      f"{time.perf_counter() - started:.1f} s")
        setting = prepare(app)
        print(f"\ndatabase: {engine.dialect.name}")
        describe(app, setting)
        full_ms, full_rows = builds_and_dashboards(app, setting, RowCounter(engine), args)
        ok = incremental(app, setting, RowCounter(engine), args, full_ms, full_rows)
        ok &= check(app, setting)
        engine.dispose()
    sys.exit(0 if ok else 1)


def prepare(app: Flask) -> Setting:
    """Find the synthetic units and targets; add a reviewer at the ministry and a manager."""
    with database(app) as session:
        province = session.scalars(select(OrgUnit).where(
            OrgUnit.kind == OrgKind.PROVINCE, OrgUnit.code.like("SYN%")
        ).order_by(OrgUnit.id)).first()
        assert province is not None, "no synthetic province: run without --reuse"
        ministry = session.get_one(OrgUnit, province.parent_id)
        commune = session.scalars(select(OrgUnit).where(
            OrgUnit.code == f"{province.code}-X1")).one()
        school, other_school = (
            session.scalars(select(OrgUnit).where(OrgUnit.code == f"{commune.code}-{short}")).one()
            for short in ("TH", "THCS")
        )
        targets = {
            audience: session.scalars(select(CoverageTarget).where(
                CoverageTarget.org_unit_id == ministry.id, CoverageTarget.audience == audience
            )).one()
            for audience in (Audience.PARENT, Audience.STUDENT)
        }
        stamp = str(int(time.time()))
        reviewer = create_user(session, username=f"bench.gd.so.{stamp}", full_name="Bench Sở",
                               password=PASSWORD)
        add_membership(session, reviewer, ministry, Role.OFFICE_REVIEWER)
        manager = create_user(session, username=f"bench.gd.ql.{stamp}", full_name="Bench QL",
                              password=PASSWORD)
        add_membership(session, manager, school, Role.SCHOOL_MANAGER)
        return Setting(ministry.id, province.id, commune.id, school.id, other_school.id,
                       targets[Audience.PARENT].id, targets[Audience.STUDENT].id,
                       targets[Audience.PARENT].school_year, reviewer.username,
                       manager.username, stamp)


def describe(app: Flask, setting: Setting) -> None:
    """Print the province's family figures and where sibling classes meet."""
    with database(app) as session:
        target = session.get_one(CoverageTarget, setting.families)
        ensure_rollup(session, target.requirement_id, setting.year, Audience.PARENT, local_today())
        figures = subtree_figures(session, session.get_one(OrgUnit, setting.province),
                                  scope_of(target))
        print(f"province families: {figures.population} counted, {figures.covered} covered "
              f"({figures.percent or 0:.1f}%; target {target.percent:g}%)")
        pairs = session.execute(
            select(OrgUnit.kind, func.count())
            .join(CoverageOverlap, CoverageOverlap.unit_id == OrgUnit.id)
            .where(CoverageOverlap.requirement_id == target.requirement_id,
                   CoverageOverlap.school_year == setting.year,
                   CoverageOverlap.audience == Audience.PARENT)
            .group_by(OrgUnit.kind)
        ).all()
        print("families counted once above two classes (overlap rows, by the unit where the "
              "classes meet): " + ", ".join(f"{kind.value} {count}" for kind, count in pairs))


def builds_and_dashboards(
    app: Flask, setting: Setting, counter: RowCounter, args: Any
) -> tuple[float, int]:
    """Time the dashboards and the full builds, families beside students; return the median
    full build of the families (ms) and the rows it writes."""
    clients = {"reviewer": signed_in(app, setting.reviewer),
               "manager": signed_in(app, setting.manager)}
    pages = [
        ("dashboard, ministry", setting.ministry, "reviewer", ""),
        ("dashboard, province", setting.province, "reviewer", ""),
        ("drill-down, commune (sorted by coverage)", setting.commune, "reviewer",
         "&sort=coverage&order=desc"),
        ("drill-down, school to grades and classes", setting.school, "manager", ""),
    ]
    print(f"\ndashboards through WSGI, {args.repeats} requests each, interleaved; ms, median "
          "(min-max)")
    print(f"{'page':42} {'students target':>22} {'families target':>22} "
          f"{'families/students':>20}")
    for label, unit_id, client_key, extra in pages:
        times: dict[int, list[float]] = {setting.students: [], setting.families: []}
        for target_id in times:
            request(clients[client_key], unit_id, target_id, extra)  # warm-up
        for _ in range(args.repeats):
            for target_id in times:
                times[target_id].append(timed(partial(
                    request, clients[client_key], unit_id, target_id, extra)))
        students, families = times[setting.students], times[setting.families]
        print(f"{label:42} {summary(students):>22} {summary(families):>22} "
              f"{ratio_summary(families, students):>20}")

    builds: dict[Audience, list[float]] = {Audience.STUDENT: [], Audience.PARENT: []}
    rows: dict[Audience, int] = {}
    for _ in range(args.rounds):
        for audience, target_id in ((Audience.STUDENT, setting.students),
                                    (Audience.PARENT, setting.families)):
            with database(app) as session:
                requirement_id = session.get_one(CoverageTarget, target_id).requirement_id
                milliseconds, rows[audience] = counter.counting(partial(
                    build_and_commit, session, requirement_id, setting.year, audience))
            builds[audience].append(milliseconds)
    print(f"\nfull rollup build (rows written and commit), {args.rounds} rounds interleaved; ms, "
          "median (min-max)")
    print(f"  students: {summary(builds[Audience.STUDENT])}, {rows[Audience.STUDENT]} rows")
    print(f"  families: {summary(builds[Audience.PARENT])}, {rows[Audience.PARENT]} rows "
          "(class rows, school sums, overlap rows)")
    print("  families/students: "
          f"{ratio_summary(builds[Audience.PARENT], builds[Audience.STUDENT])}")
    return statistics.median(builds[Audience.PARENT]), rows[Audience.PARENT]


def build_and_commit(session: Session, requirement_id: int, year: str, audience: Audience) -> None:
    """Rebuild one audience's rollup in full and commit it."""
    build_rollup(session, requirement_id, year, audience, local_today())
    session.commit()


def request(client: FlaskClient, unit_id: int, target_id: int, extra: str = "") -> None:
    """GET a unit's coverage page for a target; it must answer 200."""
    response = client.get(f"/units/{unit_id}/coverage?target={target_id}{extra}")
    assert response.status_code == 200, response.status_code


def incremental(
    app: Flask, setting: Setting, counter: RowCounter, args: Any, full_ms: float, full_rows: int
) -> bool:
    """Change one family at a time and time the next report; return whether each report
    rewrote fewer rows than a full build."""
    reviewer = signed_in(app, setting.reviewer)
    with database(app) as session:
        target = session.get_one(CoverageTarget, setting.families)
        course_ids = [c.id for c in session.get_one(Requirement, target.requirement_id).courses]
        unlinked = [
            list(session.scalars(
                select(User.id).join(Membership, Membership.user_id == User.id)
                .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
                .where(OrgUnit.parent_id == school_id, Membership.role == Role.STUDENT,
                       Membership.active.is_(True), User.family_id.is_(None))
                .order_by(User.id).limit(args.rounds)))
            for school_id in (setting.school, setting.other_school)
        ]
        uncertified = list(session.scalars(
            select(User.id).join(Membership, Membership.user_id == User.id)
            .where(Membership.org_unit_id == setting.school, Membership.role == Role.PARENT,
                   ~exists().where(Certificate.user_id == User.id,
                                   Certificate.course_id.in_(course_ids)))
            .order_by(User.id).limit(args.rounds)))

    def link_new_parent(i: int) -> None:
        with database(app) as session:
            adult = create_user(session, username=f"bench.gd.ph.{setting.stamp}.{i}",
                                full_name="Phụ huynh thử")
            session.flush()
            for children in unlinked:
                link_adult(session, adult, session.get_one(User, children[i]),
                           kinship=Kinship.MOTHER, source=LinkSource.MEETING)

    def certify_parent(i: int) -> None:
        with database(app) as session:
            course = session.get_one(Course, course_ids[0])
            assert course.current_version_id is not None
            completion = Completion(user_id=uncertified[i], score=1.0, completed_at=utcnow(),
                                    course_version_id=course.current_version_id)
            session.add(completion)
            session.flush()
            assert issue_certificate(session, completion) is not None

    changes: dict[str, Callable[[int], None] | None] = {
        "a new parent linked to two children in two schools": link_new_parent,
        "one parent certificate issued": certify_parent,
        "no change (the report alone)": None,
    }
    rounds = min(args.rounds, len(unlinked[0]), len(unlinked[1]), len(uncertified))
    samples: dict[str, list[tuple[float, int]]] = {label: [] for label in changes}
    for i in range(rounds):
        for label, change in changes.items():
            if change is not None:
                change(i)
            samples[label].append(counter.counting(partial(
                request, reviewer, setting.province, setting.families)))
    print(f"\nincremental: the province's families report right after a change, {rounds} "
          "rounds interleaved; ms, median (min-max)")
    print(f"{'change':52} {'next report ms':>24} {'rows rewritten':>15} {'time/full':>10} "
          f"{'rows/full':>10}")
    ok = True
    for label in changes:
        milliseconds = [ms for ms, _rows in samples[label]]
        rows = [r for _ms, r in samples[label]]
        print(f"{label:52} {summary(milliseconds):>24} {statistics.median(rows):15.0f} "
              f"{statistics.median(milliseconds) / full_ms:10.3f} "
              f"{statistics.median(rows) / full_rows:10.4f}")
        if max(rows) >= full_rows:
            print(f"  KHÔNG TỪNG PHẦN: {label}: as many rows as a full build")
            ok = False
    print(f"(full build of the families audience: {full_ms:.0f} ms, {full_rows} rows; the rows "
          "rewritten are those of every audience of the changed units)")
    return ok


def check(app: Flask, setting: Setting) -> bool:
    """Compare the rollup's family figures with the direct distinct count; print the verdict."""
    print("\nfamily figures, rollup (after the incremental changes) against the direct distinct "
          "count: covered/counted (covered 4 weeks earlier)")
    print(f"{'unit':40} {'rollup':>22} {'direct count':>22} {'direct ms':>10}  result")
    ok = True
    with database(app) as session:
        target = session.get_one(CoverageTarget, setting.families)
        scope = scope_of(target)
        today = local_today()
        ensure_rollup(session, target.requirement_id, setting.year, Audience.PARENT, today)
        for label, unit_id in (("province", setting.province), ("commune", setting.commune),
                               ("school", setting.school),
                               ("other school", setting.other_school)):
            unit = session.get_one(OrgUnit, unit_id)
            rolled = subtree_figures(session, unit, scope)
            started = time.perf_counter()
            direct = direct_subtree_figures(session, unit, scope, today)
            milliseconds = (time.perf_counter() - started) * 1000
            same = rolled == direct
            ok &= same
            print(f"{label + ' ' + unit.code:40} {_figures(rolled):>22} {_figures(direct):>22} "
                  f"{milliseconds:10.1f}  {'khớp' if same else 'KHÔNG KHỚP'}")
    return ok


def _figures(figures: Figures) -> str:
    return f"{figures.covered}/{figures.population} ({figures.covered_before})"


if __name__ == "__main__":
    main()
