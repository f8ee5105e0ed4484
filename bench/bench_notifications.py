"""Measure the notifications sweep over a synthetic province (one obligations query per school).

Builds a synthetic province (``lms synth``) on a temporary SQLite file, or on the database of
``LMS_DATABASE_URL`` (PostgreSQL), then times the sweep twice on the day after the targets'
deadline (everyone not covered is overdue: the most messages): the first run records every
in-app notice, the second finds every event recorded and sends nothing (the hourly case).

    .venv/bin/python bench/bench_notifications.py [--students 20000] [--staff 1500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time

from bench_coverage import bench_app
from sqlalchemy import func, select

from lms_module.coverage.synth import synthesize
from lms_module.db import db_session
from lms_module.notifications.models import Notification
from lms_module.notifications.services import sweep
from lms_module.obligations.models import CoverageTarget
from lms_module.orgs.models import OrgKind, OrgUnit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--staff", type=int, default=1_500)
    args = parser.parse_args()
    url = os.environ.get("LMS_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(url or f"sqlite:///{folder}/bench.sqlite3")
        with app.app_context():
            session = db_session()
            synthesize(session, students_per_province=args.students,
                       staff_per_province=args.staff)
            session.commit()
            deadline = session.scalar(select(func.min(CoverageTarget.deadline)))
            assert deadline is not None
            day = deadline + dt.timedelta(days=1)
            schools = session.scalar(select(func.count()).select_from(OrgUnit)
                                     .where(OrgUnit.kind == OrgKind.SCHOOL))
            for label in ("first sweep (records)", "second sweep (nothing new)"):
                started = time.perf_counter()
                summary = sweep(session, today=day)
                elapsed = time.perf_counter() - started
                print(f"{label}: {elapsed:.1f} s for {schools} schools, {summary.as_dict()}")
            total = session.scalar(select(func.count()).select_from(Notification))
            print(f"notices recorded: {total}")


if __name__ == "__main__":
    main()
