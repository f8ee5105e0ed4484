"""Measure a province roster import: 200,000 student rows previewed and imported as jobs.

Writes one deterministic workbook shaped like a Sở's export of the sector database (STT, school
code, school, student code (mã định danh, 10 digits), full name, date of birth, sex, class,
grade) for a province of 500 schools, then, for each database, runs in a child process (so that
its peak memory is its own): a fresh database migrated and the province's units created, the
``roster.preview`` job, then the ``roster.import`` job (both as the queue's worker runs them).
Prints the seconds of each phase and the child's peak resident memory (``ru_maxrss``).
Asserts nothing.

    .venv/bin/python bench/bench_roster_import.py [--rows 200000] [--rounds 1]
        [--postgresql postgresql+psycopg://postgres@/lms_bench?host=/tmp/devpg&port=55499]

The PostgreSQL URL names a server and a database that may be created and dropped (a new
database is made beside it for each round). With ``--rounds`` above 1, SQLite and PostgreSQL
rounds are interleaved.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

FAMILY = ["Nguyễn", "Trần", "Lò", "Giàng", "Đặng", "Vàng", "Phùng", "Quàng", "Lê", "Hoàng"]
MIDDLE = ["Thị", "Văn", "Seo", "Ngọc", "Minh", "Thu", "Đức"]
GIVEN = ["Hoa", "Ỹ", "Dũng", "Phương", "Sính", "Đức", "Ưng", "Thơ", "An", "Khánh", "Linh"]
#: Schools of the bench province, by level: (level, first grade, last grade, how many).
LEVELS = (("tieu_hoc", "Tiểu học", 1, 5, 250), ("thcs", "THCS", 6, 9, 170),
          ("thpt", "THPT", 10, 12, 80))
SCHOOL_YEAR = "2026-2027"
HEADER = ["STT", "Mã trường", "Trường", "Mã định danh", "Họ và tên", "Ngày sinh", "Giới tính",
          "Lớp", "Khối"]


def schools() -> list[tuple[str, str, str, int, int]]:
    """The province's schools: (code, name, level, first grade, last grade)."""
    found = []
    for level, label, first, last, count in LEVELS:
        for number in range(1, count + 1):
            code = f"BT-{level.upper()}{number:03d}"
            found.append((code, f"Trường {label} số {number}", level, first, last))
    return found


def write_workbook(path: Path, rows: int) -> None:
    """Write the province's workbook of ``rows`` students (the same bytes for the same rows)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Học sinh")
    sheet.append(["DANH SÁCH HỌC SINH TOÀN TỈNH, NĂM HỌC " + SCHOOL_YEAR])
    sheet.append([])
    sheet.append(HEADER)
    units = schools()
    per_school = -(-rows // len(units))
    number = 0
    for code, name, _level, first, last in units:
        grades = list(range(first, last + 1))
        for index in range(per_school):
            if number >= rows:
                break
            number += 1
            grade = grades[index % len(grades)]
            letter = "ABC"[(index // len(grades)) % 3]
            full_name = (f"{FAMILY[number % 10]} {MIDDLE[number % 7]} "
                         f"{GIVEN[(number // 70) % 11]}")
            born = f"{1 + number % 28:02d}/{1 + number % 12:02d}/{2020 - grade}"
            sheet.append([number, code, name, f"01{number:08d}", full_name, born,
                          "Nữ" if number % 2 else "Nam", f"{grade}{letter}", grade])
    workbook.save(path)
    # A fixed timestamp inside the archive would be needed for identical bytes; the rows are
    # what matters and they are the same on every run.


def child(url: str, workbook: Path) -> None:
    """One round: set up the database, preview and import as jobs; print JSON figures."""
    from lms_module import create_app
    from lms_module.db import db_session
    from lms_module.jobs.models import Job, JobStatus
    from lms_module.jobs.runner import run_now
    from lms_module.jobs.services import start_job
    from lms_module.migrate import upgrade_database
    from lms_module.orgs.models import OrgKind, SchoolLevel
    from lms_module.orgs.services import create_unit
    from lms_module.people.models import Role
    from lms_module.people.services import add_membership, create_user
    from lms_module.roster.models import RosterKind
    from lms_module.roster.uploads import store_upload

    figures: dict[str, float] = {}
    app = create_app({"LMS_DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True,
                      "LMS_SCHOOL_YEAR": SCHOOL_YEAR})
    upgrade_database(app.extensions["lms"].engine)
    with app.app_context():
        session = db_session()
        province = create_unit(session, kind=OrgKind.PROVINCE, code="BT", name="Tỉnh Bench")
        communes = [create_unit(session, kind=OrgKind.COMMUNE, code=f"BT-X{n:02d}",
                                name=f"Xã {n}", parent=province) for n in range(1, 21)]
        for index, (code, name, level, _first, _last) in enumerate(schools()):
            create_unit(session, kind=OrgKind.SCHOOL, code=code, name=name,
                        parent=communes[index % len(communes)],
                        school_level=SchoolLevel(level))
        admin = create_user(session, username="admin.bench", full_name="Quản Trị")
        session.flush()
        add_membership(session, admin, province, Role.ADMIN)
        data = workbook.read_bytes()
        upload = store_upload(session, uploader=admin, unit=province, kind=RosterKind.STUDENTS,
                              filename=workbook.name, data=data)
        session.commit()
        del data
        for kind in ("roster.preview", "roster.import"):
            job = start_job(session, kind=kind, params={"upload_id": upload.id,
                                                        "school_year": SCHOOL_YEAR},
                            user=admin, unit=province)
            session.commit()
            started = time.perf_counter()
            run_now(app, job.id)
            figures[kind] = time.perf_counter() - started
            session.expire_all()
            finished = session.get_one(Job, job.id)
            if finished.status is not JobStatus.DONE:
                raise SystemExit(f"{kind} failed: {finished.error}")
            figures[f"{kind}.summary"] = finished.summary  # type: ignore[assignment]
            figures[f"{kind}.peak_mb"] = (
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            )
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures, ensure_ascii=False))


def fresh_postgresql(base_url: str) -> tuple[str, str]:
    """Create a new database beside ``base_url``'s; return its URL and name."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"lms_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgresql(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run_round(url: str, workbook: Path) -> dict[str, object]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", url, "--workbook", str(workbook)],
        check=True, capture_output=True, text=True,
    )
    figures: dict[str, object] = json.loads(output.stdout.strip().splitlines()[-1])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--postgresql", default=os.environ.get("LMS_BENCH_POSTGRESQL_URL"),
                        help="A PostgreSQL URL whose server may hold a new database per round.")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--keep", metavar="FOLDER",
                        help="Keep the workbook in FOLDER and use it again on the next run.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workbook", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.workbook))
        return
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(args.keep or folder) / f"hoc-sinh-toan-tinh-{args.rows}.xlsx"
        if not workbook.exists():
            started = time.perf_counter()
            write_workbook(workbook, args.rows)
            print(f"workbook written in {time.perf_counter() - started:.1f} s")
        print(f"workbook: {args.rows:,} rows, {workbook.stat().st_size / 1024 / 1024:.1f} MB")
        for number in range(1, args.rounds + 1):
            databases = [] if args.no_sqlite else ["sqlite"]
            if args.postgresql:
                databases.append("postgresql")
            for database in databases:
                if database == "sqlite":
                    url, name = f"sqlite:///{folder}/bench-{number}.sqlite3", ""
                else:
                    url, name = fresh_postgresql(args.postgresql)
                try:
                    figures = run_round(url, workbook)
                finally:
                    if name:
                        drop_postgresql(args.postgresql, name)
                preview = float(figures["roster.preview"])  # type: ignore[arg-type]
                imported = float(figures["roster.import"])  # type: ignore[arg-type]
                print(f"round {number} {database:<10} preview {preview:5.1f} s  import "
                      f"{imported:5.1f} s  total {preview + imported:5.1f} s  peak RSS "
                      f"{float(figures['peak_mb']):.0f} MB  "  # type: ignore[arg-type]
                      f"{figures['roster.import.summary']}")


if __name__ == "__main__":
    main()
