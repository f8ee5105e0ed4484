"""Measure the coverage dashboard and drill-down against the bare SQL aggregate.

Builds a synthetic province (``lms synth``: 200,000 students and 15,000 staff by default) on a
temporary SQLite file, or on the database of ``LMS_DATABASE_URL`` (PostgreSQL), then times
repeated requests through the whole WSGI stack (sign-in cookie, access check, rollup freshness
check, queries, template) and prints median and p95 beside the time of the bare SQL aggregate
that computes the same figures straight from memberships and certificates. Then it times the
ministry's totals of every target read from the province tier and from the per-school rows,
interleaved (median and min-max), and checks both give the same figures (exit 1 otherwise).

    .venv/bin/python bench/bench_coverage.py [--students 200000] [--staff 15000] [--repeats 30]
    LMS_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_coverage.py
    LMS_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/bench_coverage.py --national

``--national`` (PostgreSQL only; 25 million students in 34 provinces) takes a long time and a
lot of disk: it is never run in CI.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from lms_module import create_app
from lms_module.coverage.figures import (
    direct_children_figures,
    direct_subtree_figures,
    scope_of,
)
from lms_module.coverage.models import CoverageProvinceRollup, CoverageSchoolRollup
from lms_module.coverage.report import build_report
from lms_module.coverage.synth import (
    NATIONAL_PROVINCES,
    NATIONAL_STAFF,
    NATIONAL_STUDENTS,
    synthesize,
)
from lms_module.db import db_session, subtree_condition
from lms_module.i18n import local_today
from lms_module.migrate import upgrade_database
from lms_module.obligations.models import CoverageTarget
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user

PASSWORD = "bench-password-1"


def timings(run: Callable[[], object], repeats: int, warm_up: bool = True) -> tuple[float, float]:
    """Return (median, p95) in milliseconds over ``repeats`` calls (after one warm-up)."""
    if warm_up:
        run()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def bench_app(url: str) -> Flask:
    """Return the app on ``url``, its schema migrated (sign-in limits out of the way)."""
    app = create_app({"LMS_DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                      "LMS_SECURE_COOKIES": False, "LMS_LOGIN_RATE_LIMIT": "10000/minute"})
    upgrade_database(app.extensions["lms"].engine)
    return app


def signed_in(app: Flask, username: str) -> FlaskClient:
    """Return a test client signed in through the form, as a browser is."""
    client = app.test_client()
    token_page = client.get("/login").get_data(as_text=True)
    token = token_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302, response.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200_000)
    parser.add_argument("--staff", type=int, default=15_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--provinces", type=int, default=1,
                        help="Provinces of --students each (a national-shaped tree, smaller).")
    parser.add_argument("--national", action="store_true")
    parser.add_argument("--reuse", action="store_true",
                        help="Use the synthetic data already in the database.")
    args = parser.parse_args()
    url = os.environ.get("LMS_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        url = url or f"sqlite:///{folder}/bench.sqlite3"
        if args.national and not url.startswith("postgresql"):
            parser.error("--national needs PostgreSQL in LMS_DATABASE_URL")
        app = bench_app(url)
        engine = app.extensions["lms"].engine
        with app.app_context():
            session = db_session()
            if not args.reuse:
                started = time.perf_counter()
                if args.national:
                    result = synthesize(
                        session, students_per_province=NATIONAL_STUDENTS // NATIONAL_PROVINCES + 1,
                        staff_per_province=NATIONAL_STAFF // NATIONAL_PROVINCES,
                        up_to=NATIONAL_PROVINCES, checkpoint=session.commit)
                else:
                    result = synthesize(session, provinces=args.provinces,
                                        students_per_province=args.students,
                                        staff_per_province=args.staff)
                session.commit()
                print(f"synth: {result.students} students, {result.adults} staff, "
                      f"{result.certificates} certificates, {result.units} units in "
                      f"{time.perf_counter() - started:.1f} s")
            province = session.scalars(select(OrgUnit).where(
                OrgUnit.kind == OrgKind.PROVINCE, OrgUnit.code.like("SYN%")
            ).order_by(OrgUnit.id)).first()
            assert province is not None, "no synthetic province: run without --reuse"
            commune = session.scalars(select(OrgUnit).where(
                OrgUnit.parent_id == province.id, OrgUnit.kind == OrgKind.COMMUNE)).first()
            school = session.scalars(select(OrgUnit).where(
                OrgUnit.parent_id == commune.id, OrgUnit.kind == OrgKind.SCHOOL)).first()
            ministry = session.get(OrgUnit, province.parent_id)
            target = session.scalars(select(CoverageTarget).where(
                CoverageTarget.org_unit_id == ministry.id,
                CoverageTarget.audience == "student")).one()
            target_key = (target.requirement_id, target.school_year, target.audience)
            ministry_path = ministry.path
            targets = list(session.scalars(select(CoverageTarget).where(
                CoverageTarget.org_unit_id == ministry.id)))
            requirement_ids = sorted({t.requirement_id for t in targets})
            stamp = str(int(time.time()))
            reviewer = create_user(session, username=f"bench.so.{stamp}", full_name="Bench Sở",
                                   password=PASSWORD)
            add_membership(session, reviewer, ministry, Role.OFFICE_REVIEWER)
            manager = create_user(session, username=f"bench.ql.{stamp}", full_name="Bench QL",
                                  password=PASSWORD)
            add_membership(session, manager, school, Role.SCHOOL_MANAGER)
            session.commit()
            names = {"reviewer": reviewer.username, "manager": manager.username}
            ids = {"ministry": ministry.id, "province": province.id, "commune": commune.id,
                   "school": school.id, "target": target.id}
            today = local_today()
            units = {"ministry": ministry, "province": province, "commune": commune,
                     "school": school}

            def bare(unit: OrgUnit) -> Callable[[], object]:
                """Every figure of the page, straight from memberships and certificates."""
                def run() -> object:
                    session.rollback()
                    totals = [direct_subtree_figures(session, unit, scope_of(t), today)
                              for t in targets]
                    return totals, direct_children_figures(session, unit, scope_of(target),
                                                           today)
                return run

            def service(unit: OrgUnit, with_classes: bool) -> Callable[[], object]:
                """The report the page renders (rollup), without the web stack."""
                def run() -> object:
                    report = build_report(session, unit, school_year=target.school_year,
                                        today=today, target_id=target.id,
                                        with_classes=with_classes)
                    session.commit()  # as the view does: keeps what the freshness check did
                    return report
                return run

            # At the national size one bare run takes minutes: time a single, cold run.
            bare_repeats = 1 if args.national else max(3, args.repeats // 5)
            bare_ms = {k: timings(bare(u), bare_repeats, warm_up=not args.national)[0]
                       for k, u in units.items()}
            service_ms = {k: timings(service(u, k == "school"), args.repeats)[0]
                          for k, u in units.items()}

        def page(user: str, key: str, extra: str = "") -> Callable[[], object]:
            client = signed_in(app, user)

            def run() -> object:
                response = client.get(f"/units/{ids[key]}/coverage?target={ids['target']}{extra}")
                assert response.status_code == 200, response.status_code
                return response
            return run

        rows = [
            ("dashboard, ministry (every province)", "ministry", names["reviewer"], ""),
            ("dashboard, province", "province", names["reviewer"], ""),
            ("drill-down, commune (sorted by coverage)", "commune", names["reviewer"],
             "&sort=coverage&order=desc"),
            ("drill-down, school to grades and classes", "school", names["manager"], ""),
        ]
        print(f"\ndatabase: {engine.dialect.name}; {args.repeats} requests each")
        print(f"{'page':44} {'median ms':>10} {'p95 ms':>8} {'service ms':>11} "
              f"{'bare SQL ms':>12} {'page/bare':>10}")
        for label, key, user, extra in rows:
            median, p95 = timings(page(user, key, extra), args.repeats)
            bare_median = bare_ms[key]
            print(f"{label:44} {median:10.1f} {p95:8.1f} {service_ms[key]:11.1f} "
                  f"{bare_median:12.1f} {median / bare_median:10.2f}")
        print("\nbare SQL: the page's figures (every target's total and the drill-down) computed "
              "straight from memberships and certificates;\nservice: the same report read from "
              "the rollup, without the web stack.")
        with app.app_context():
            session = db_session()

            def totals(table: type[CoverageProvinceRollup] | type[CoverageSchoolRollup]
                       ) -> Callable[[], object]:
                """The ministry's totals of every target (the dashboard's query) from ``table``."""
                def run() -> object:
                    return sorted(tuple(row) for row in session.execute(
                        select(table.requirement_id, table.audience, func.sum(table.population),
                               func.sum(table.covered), func.sum(table.covered_before))
                        .where(table.requirement_id.in_(requirement_ids),
                               table.school_year == target_key[1],
                               subtree_condition(table.path, ministry_path))
                        .group_by(table.requirement_id, table.audience)))
                return run

            sides = {"province tier": totals(CoverageProvinceRollup),
                     "per-school rows": totals(CoverageSchoolRollup)}
            samples: dict[str, list[float]] = {name: [] for name in sides}
            for run in sides.values():
                run()  # warm-up
            for _ in range(args.repeats):  # interleaved: A, B, A, B...
                for name, run in sides.items():
                    start = time.perf_counter()
                    run()
                    samples[name].append((time.perf_counter() - start) * 1000)
            same = sides["province tier"]() == sides["per-school rows"]()
            print(f"\nministry totals of every target, interleaved, {args.repeats} rounds: "
                  + "; ".join(f"{name} {statistics.median(values):.1f} ms "
                              f"({min(values):.1f}-{max(values):.1f})"
                              for name, values in samples.items())
                  + ("; figures khớp" if same else "; figures KHÔNG KHỚP"))
            mismatch = not same
            tiers = {}
            for table in (CoverageSchoolRollup, CoverageProvinceRollup):
                tiers[table.__tablename__] = session.scalar(
                    select(func.count()).select_from(table)
                    .where(table.requirement_id == target_key[0],
                           table.school_year == target_key[1],
                           table.audience == target_key[2]))
            session.rollback()
        print("rollup rows of the students' target: " + ", ".join(
            f"{name} {count}" for name, count in tiers.items())
            + " (the ministry's and a province's totals read the province tier)")
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                size = connection.execute(text(
                    "SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
            print(f"database size: {size}")
        if mismatch:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
