"""Command line: ``lms <command>`` standalone, ``flask lms <command>`` inside a host app."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import Engine, select

from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.learning.models import Audience
from lms_module.migrate import downgrade_database, upgrade_database

lms_group = click.Group("lms", help="Safe School LMS: database, demo data, imports.")


def register_cli(app: Flask) -> None:
    """Add the ``lms`` command group to the app's CLI (once per app)."""
    if "lms" not in app.cli.commands:
        app.cli.add_command(lms_group)


def _engine() -> Engine:
    engine: Engine = current_app.extensions["lms"].engine
    return engine


@lms_group.command("db-upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or upgrade the database schema (Alembic)."""
    upgrade_database(_engine(), revision)
    click.echo(f"Cơ sở dữ liệu đã ở phiên bản {revision}.")


@lms_group.command("db-downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION ("base" removes every table of the module)."""
    downgrade_database(_engine(), revision)
    click.echo(f"Cơ sở dữ liệu đã về phiên bản {revision}.")


@lms_group.command("db-revision")
@click.option("-m", "--message", required=True, help="What the schema change does.")
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    from alembic import command

    from lms_module.migrate import alembic_config

    command.revision(alembic_config(_engine()), message=message, autogenerate=True)


@lms_group.command("demo")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True)
@with_appcontext
def demo(base_url: str) -> None:
    """Build the Lai Châu demo and load the courses (idempotent); print the demo sign-ins."""
    from lms_module.demo.services import DEMO_PASSWORD, build_demo, demo_logins
    from lms_module.xblock_runtime.olx import OlxError

    session = db_session()
    try:
        build_demo(session)
        _add_certificate_demo(session, base_url)
        _add_coverage_demo(session)
        _add_family_demo(session, DEMO_PASSWORD)
        logins = demo_logins(session)
    except OlxError as error:
        session.rollback()
        raise click.ClickException(error.message) from error
    session.commit()
    _add_reminder_demo(session)
    click.echo("")
    click.echo(f"Trường học an toàn: {base_url}/login")
    click.echo(f"Mật khẩu chung của các tài khoản demo: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.role_label:<28} {login.username:<26} {login.where}")
    click.echo("")


@lms_group.command("load-course")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--slug", default=None, help="Course slug (default: from the OLX).")
@click.option(
    "--audience",
    type=click.Choice([a.value for a in Audience]),
    default=None,
    help="Publish a course whose OLX does not say who it is for (an Open edX export) "
    "to this audience.",
)
@click.option(
    "--grades",
    default=None,
    metavar="LOW-HIGH",
    help="With --audience student: the grade band, e.g. 6-9.",
)
@with_appcontext
def load_course_command(
    path: Path, slug: str | None, audience: str | None, grades: str | None
) -> None:
    """Load a course from an OLX folder or .tar.gz; a changed course becomes a new version."""
    from lms_module.learning.course_loader import load_course
    from lms_module.learning.models import Course
    from lms_module.learning.publishing import Audiences, PublishError, publish_course
    from lms_module.xblock_runtime.olx import OlxError

    band = _grade_band(grades)
    session = db_session()
    try:
        report = load_course(session, path, slug=slug)
        if audience is not None and not report.published:
            course = session.scalar(select(Course).where(Course.slug == report.course_slug))
            assert course is not None
            publish_course(session, course, Audiences(Audience(audience), *band))
            report.published = True
    except (OlxError, PublishError) as error:
        session.rollback()
        raise click.ClickException(error.message) from error
    session.commit()
    if not report.published:
        click.echo(
            f"Khóa học {report.course_slug} chưa nói dành cho ai nên chưa được công bố: "
            "chạy lại với --audience (và --grades cho học sinh) hoặc công bố ở trang "
            "/admin/courses."
        )
    if not report.new_version:
        click.echo(f"Khóa học {report.course_slug} không đổi (phiên bản {report.version}).")
        return
    click.echo(
        f"Đã nạp khóa học {report.course_slug}, phiên bản {report.version}: "
        f"{report.blocks} khối, {report.assets} tệp."
    )
    for line in report.detail_lines():
        click.echo(f"  {line}")
    for warning in report.warnings:
        click.echo(f"  Cảnh báo: {warning}")


def _grade_band(text: str | None) -> tuple[int | None, int | None]:
    """Read "6-9" (or "6") as a grade band; ``None``: no band."""
    if text is None:
        return None, None
    low, _dash, high = text.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise click.BadParameter(
            f"“{text}” không phải khối lớp; ví dụ 6-9.", param_hint="--grades"
        ) from None


def main() -> None:
    """Entry point of the ``lms`` console script (standalone app)."""
    from lms_module import create_app

    cli = FlaskGroup(create_app=create_app, commands=lms_group.commands)
    cli.main(prog_name="lms")


@lms_group.command("import-roster")
@click.option("--unit", "unit_code", required=True, help="Code of the school or unit (scope).")
@click.option(
    "--kind",
    type=click.Choice(["students", "staff", "units"]),
    required=True,
    help="What the file lists.",
)
@click.option("--commit", "commit_changes", is_flag=True, help="Write the changes (else preview).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_roster_command(unit_code: str, kind: str, commit_changes: bool, file: str) -> None:
    """Check a roster FILE (.xlsx/.csv) and print the preview; write it with --commit."""
    from flask_babel import force_locale

    # No request here to choose a language from: speak the first configured one.
    with force_locale(current_app.config["LMS_LANGUAGES"][0]):
        _import_roster(unit_code, kind, commit_changes, file)


def _import_roster(unit_code: str, kind: str, commit_changes: bool, file: str) -> None:
    import hashlib
    from pathlib import Path

    from lms_module.orgs.services import unit_by_code
    from lms_module.roster.importing import apply_roster, plan_roster, roster_limits
    from lms_module.roster.models import RosterKind
    from lms_module.school_years.current import current_school_year

    session = db_session()
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise click.ClickException(f"Không tìm thấy đơn vị có mã {unit_code}.")
    path = Path(file)
    data = path.read_bytes()
    max_bytes, max_rows = roster_limits(unit, current_app.config)
    printed: dict[str, int] = {}

    def progress(done: int, total: int, stage: str) -> None:
        """Print a line per stage and per tenth of it (a province's file takes a while)."""
        tenth = done * 10 // total if total else 0
        if printed.get(stage) != tenth:
            printed[stage] = tenth
            click.echo(f"  [{tenth * 10:3d}%] {stage}: {done}/{total}", err=True)

    plan = plan_roster(
        session,
        data=data,
        filename=path.name,
        kind=RosterKind(kind),
        scope=unit,
        importer=None,
        school_year=str(current_school_year()),
        max_bytes=max_bytes,
        max_rows=max_rows,
        progress=progress,
    )
    for problem in plan.problems:
        where = " ".join(
            part for part in (
                f"dòng {problem.row}" if problem.row else "", problem.column or ""
            ) if part
        )
        click.echo(f"LỖI {where}: {problem.message} {problem.fix}".replace("  ", " "), err=True)
    if plan.problems:
        raise click.ClickException(f"{len(plan.problems)} lỗi: chưa nhập gì.")
    for change in plan.changes:
        if change.status != "unchanged":
            detail = "thêm mới" if change.status == "new" else "; ".join(change.changes)
            click.echo(f"dòng {change.row}: {change.code} {change.name} ({change.place}): {detail}")
    summary = (
        f"{plan.count('new')} thêm mới, {plan.count('updated')} cập nhật, "
        f"{plan.count('unchanged')} không đổi"
    )
    if plan.new_classes:
        summary += f"; lớp mới: {', '.join(plan.new_classes)}"
    if not commit_changes:
        click.echo(f"Xem trước: {summary}. Chạy lại với --commit để ghi.")
        return
    apply_roster(
        session, plan, actor_id=None, filename=path.name,
        sha256=hashlib.sha256(data).hexdigest(), progress=progress,
    )
    session.commit()
    click.echo(f"Đã nhập: {summary}.")


# ------------------------------------------------------------------------------ coverage


def _add_coverage_demo(session: object) -> None:
    """Add the Lai Châu plan's coverage targets to the demo (see lms_module.coverage.demo)."""
    from sqlalchemy.orm import Session

    from lms_module.coverage.demo import add_demo_targets

    assert isinstance(session, Session)
    add_demo_targets(session)


def _add_reminder_demo(session: object) -> None:
    """Add the demo's relative due date and run one reminder sweep (see
    lms_module.notifications.demo); commits."""
    from sqlalchemy.orm import Session

    from lms_module.notifications.demo import add_demo_reminders

    assert isinstance(session, Session)
    add_demo_reminders(session, local_today())


def _add_family_demo(session: object, password: str) -> None:
    """Add the demo families (see lms_module.families.demo)."""
    from sqlalchemy.orm import Session

    from lms_module.families.demo import add_demo_families

    assert isinstance(session, Session)
    add_demo_families(session, local_today(), password=password)


@lms_group.command("rollover")
@click.option("--from", "from_year", required=True, help="School year to close, e.g. 2026-2027.")
@click.option("--to", "to_year", required=True, help="School year to open, e.g. 2027-2028.")
@with_appcontext
def rollover_command(from_year: str, to_year: str) -> None:
    """Close a school year: promote students, carry staff, targets and assignments forward."""
    from lms_module.core.errors import LMSError
    from lms_module.school_years.rollover import rollover

    session = db_session()
    try:
        result = rollover(session, from_year, to_year)
    except LMSError as error:
        session.rollback()
        raise click.ClickException(error.message) from error
    session.commit()
    click.echo(
        f"Đã kết chuyển {from_year} → {to_year}: {result.promoted} học sinh lên lớp "
        f"({result.classes_created} lớp mới), {result.left_school} học sinh ra trường, "
        f"{result.adults_carried} cán bộ, {result.targets_copied} chỉ tiêu, "
        f"{result.assignments_copied} lượt giao khóa học. Dữ liệu năm cũ được giữ nguyên."
    )


@lms_group.command("coverage-refresh")
@with_appcontext
def coverage_refresh_command() -> None:
    """Rebuild the coverage rollup of every target (run nightly)."""

    from lms_module.jobs.cli import run_job_here

    job = run_job_here("coverage.refresh", {})
    click.echo(f"Đã tính lại độ bao phủ cho {job.summary.get('groups', 0)} nhóm chỉ tiêu.")


@lms_group.command("synth")
@click.option("--province-students", type=int, default=200_000, show_default=True)
@click.option("--staff", type=int, default=15_000, show_default=True,
              help="Teachers, staff and managers per province.")
@click.option("--provinces", type=int, default=1, show_default=True)
@click.option("--national", is_flag=True,
              help="34 provinces, 25 million students (PostgreSQL only).")
@with_appcontext
def synth_command(province_students: int, staff: int, provinces: int, national: bool) -> None:
    """Make synthetic provinces (org tree, people, certificates) for load tests."""
    import time

    from lms_module.coverage.synth import (
        NATIONAL_PROVINCES,
        NATIONAL_STAFF,
        NATIONAL_STUDENTS,
        synthesize,
    )

    session = db_session()
    up_to = None
    if national:
        if session.get_bind().dialect.name != "postgresql":
            raise click.ClickException("--national cần PostgreSQL (LMS_DATABASE_URL).")
        province_students = NATIONAL_STUDENTS // NATIONAL_PROVINCES + 1
        staff = NATIONAL_STAFF // NATIONAL_PROVINCES
        up_to = NATIONAL_PROVINCES
    started = time.perf_counter()
    result = synthesize(session, provinces=provinces, students_per_province=province_students,
                        staff_per_province=staff, up_to=up_to, progress=click.echo,
                        checkpoint=session.commit)
    session.commit()
    click.echo(
        f"Đã tạo {result.provinces} tỉnh, {result.units} đơn vị, {result.students} học sinh, "
        f"{result.adults} cán bộ, {result.certificates} chứng nhận "
        f"trong {time.perf_counter() - started:.0f} giây."
    )


# --------------------------------------------------------------------------- certificates


def _add_certificate_demo(session: object, base_url: str) -> None:
    """Let a few demo people finish their courses (see lms_module.certification.demo)."""
    from sqlalchemy.orm import Session

    from lms_module.certification.demo import issue_demo_certificates
    from lms_module.certification.services import verification_url

    assert isinstance(session, Session)
    certificates = issue_demo_certificates(session)
    if certificates:
        example = verification_url(
            certificates[0].code, base_url=base_url,
            url_prefix=current_app.config["LMS_URL_PREFIX"],
        )
        click.echo(f"Giấy chứng nhận demo: {len(certificates)}; ví dụ kiểm tra: {example}")


@lms_group.command("export-certificates")
@click.option("--unit", "unit_code", required=True, help="Code of a school, commune or province.")
@click.option("--base-url", default=None,
              help="Public address printed in the QR codes (default: LMS_PUBLIC_BASE_URL).")
@click.option("--language", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.argument("output", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@with_appcontext
def export_certificates_command(
    unit_code: str, base_url: str | None, language: str, output: Path
) -> None:
    """Write every unrevoked certificate issued within a unit (e.g. a province) to OUTPUT.zip.

    Runs as a "certificates.zip" job here, printing its progress (the ZIP is kept as the job's
    file, then copied to OUTPUT): the same work as a school manager's download.
    """
    from lms_module.certification.jobs import KIND, zip_key, zip_params
    from lms_module.jobs.cli import run_job_here
    from lms_module.jobs.services import result_chunks
    from lms_module.orgs.services import unit_by_code

    session = db_session()
    unit = unit_by_code(session, unit_code)
    if unit is None:
        raise click.ClickException(f"Không tìm thấy đơn vị có mã {unit_code}.")
    base = base_url or current_app.config["LMS_PUBLIC_BASE_URL"]
    if not base:
        raise click.ClickException(
            "Mã QR cần địa chỉ công khai của hệ thống: đặt LMS_PUBLIC_BASE_URL hoặc --base-url."
        )
    # Revoked certificates are no longer certificates: leave them out of the archive.
    params = zip_params(
        unit, filename=f"chung-nhan-{unit.code}.zip", base_url=base, language=language
    )
    job = run_job_here(KIND, params, unit=unit, key=f"{zip_key(params)}:cli")
    with output.open("wb") as file:
        for chunk in result_chunks(session, job):
            file.write(chunk)
    count = job.summary.get("certificates", 0)
    click.echo(
        f"Đã ghi {count} giấy chứng nhận của {unit.name} vào {output} "
        f"({job.result_bytes:,} byte)."
    )


def _add_job_commands() -> None:
    from lms_module.jobs.cli import scheduler_command, worker_command

    lms_group.add_command(worker_command)
    lms_group.add_command(scheduler_command)


_add_job_commands()
