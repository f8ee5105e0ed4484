"""Measure the materialized-path subtree query against a recursive CTE over parent ids.

Builds a province-sized tree (communes, schools, classes) on SQLite or on the database given by
``LMS_DATABASE_URL``, then prints queries per second for both ways of listing the schools of each
commune, and their ratio (path / CTE: above 1 means the path query is faster).

    .venv/bin/python bench/bench_org_subtree.py [--communes 100] [--schools 8] [--classes 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from sqlalchemy import String, bindparam, create_engine, func, select, text
from sqlalchemy.orm import Session

import lms_module.models  # noqa: F401
from lms_module.db import subtree_condition
from lms_module.migrate import downgrade_database, upgrade_database
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit

CTE_SQL = text(
    """
    WITH RECURSIVE sub(id) AS (
        SELECT id FROM lms_org_unit WHERE id = :root
        UNION ALL
        SELECT u.id FROM lms_org_unit u JOIN sub ON u.parent_id = sub.id
    )
    SELECT count(*) FROM lms_org_unit u JOIN sub ON u.id = sub.id WHERE u.kind = 'school'
    """
)


def build_tree(session: Session, communes: int, schools: int, classes: int) -> list[OrgUnit]:
    province = create_unit(session, kind=OrgKind.PROVINCE, code="B-P", name="Tỉnh")
    made = []
    for c in range(communes):
        commune = create_unit(
            session, kind=OrgKind.COMMUNE, code=f"B-C{c}", name=f"Xã {c}", parent=province
        )
        made.append(commune)
        for s in range(schools):
            school = create_unit(
                session, kind=OrgKind.SCHOOL, code=f"B-C{c}-S{s}", name=f"Trường {s}",
                parent=commune, school_level=SchoolLevel.PRIMARY,
            )
            for k in range(classes):
                create_unit(
                    session, kind=OrgKind.CLASS, code=f"B-C{c}-S{s}-K{k}", name=f"{k}A",
                    parent=school, grade=1 + k % 5, school_year="2026-2027",
                )
    session.commit()
    return made


def rate(run, repeats: int) -> float:
    """Return calls per second (median of five rounds of ``repeats`` calls)."""
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            run()
        rounds.append(repeats / (time.perf_counter() - start))
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--schools", type=int, default=8)
    parser.add_argument("--classes", type=int, default=10)
    args = parser.parse_args()
    url = os.environ.get("LMS_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(url or f"sqlite:///{folder}/bench.sqlite3")
        upgrade_database(engine)
        with Session(engine) as session:
            communes = build_tree(session, args.communes, args.schools, args.classes)
            total = session.scalar(select(func.count()).select_from(OrgUnit))

            # Both queries are built once, so the figures compare the database work.
            path_query = select(func.count()).where(
                subtree_condition(OrgUnit.path, bindparam("prefix", type_=String)),
                OrgUnit.kind == OrgKind.SCHOOL,
            )

            def by_path() -> None:
                for commune in communes:
                    session.scalar(path_query, {"prefix": commune.path})

            def by_cte() -> None:
                for commune in communes:
                    session.scalar(CTE_SQL, {"root": commune.id})

            assert session.scalar(CTE_SQL, {"root": communes[0].id}) == args.schools
            path_rate = rate(by_path, 3)
            cte_rate = rate(by_cte, 3)
        downgrade_database(engine, "base")
        engine.dispose()
    print(f"database: {engine.dialect.name}, org units: {total}, subtrees: {len(communes)}")
    print(f"materialized path : {path_rate * len(communes):10.0f} subtree queries/s")
    print(f"recursive CTE     : {cte_rate * len(communes):10.0f} subtree queries/s")
    print(f"ratio path / CTE  : {path_rate / cte_rate:10.2f}")


if __name__ == "__main__":
    main()
