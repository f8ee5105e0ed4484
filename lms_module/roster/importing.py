"""Import a roster: check a file against the database into a plan that previews every change
(writing nothing), then apply a checked plan all at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lms_module.audit.services import record_event
from lms_module.auth.access import user_can
from lms_module.core.errors import AccessDeniedError, LMSError
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Role, User
from lms_module.roster.columns import KEY_COLUMNS, columns_for
from lms_module.roster.models import RosterKind
from lms_module.roster.plan import Problem, RosterPlan, _RowChecker
from lms_module.roster.reading import RosterFileError, read_table
from lms_module.roster.staff import _apply_staff, _plan_staff
from lms_module.roster.students import _apply_students, _plan_students
from lms_module.roster.units import _apply_units, _plan_units


class InvalidRosterScopeError(LMSError):
    """A roster imported at a unit that cannot hold it (e.g. a class)."""


#: Told ``(done, total, stage)`` while a file is read, checked and written.
RosterProgress = Callable[[int, int, str], None]

#: Scopes whose rosters may be a whole province's (the Sở's export): larger files, as jobs.
WIDE_SCOPES = (OrgKind.PROVINCE, OrgKind.LEGACY_DISTRICT, OrgKind.COMMUNE)


def imports_as_job(scope: OrgUnit) -> bool:
    """Tell whether rosters of ``scope`` are checked and imported as jobs (above a school)."""
    return scope.kind in WIDE_SCOPES


def roster_limits(scope: OrgUnit, config: Mapping[str, Any]) -> tuple[int, int]:
    """Return the largest file (bytes) and most rows a roster imported at ``scope`` may have:
    ``LMS_MAX_PROVINCE_UPLOAD_BYTES``/``..._ROWS`` above a school, else the school's limits."""
    if imports_as_job(scope):
        return (int(config["LMS_MAX_PROVINCE_UPLOAD_BYTES"]),
                int(config["LMS_MAX_PROVINCE_ROSTER_ROWS"]))
    return int(config["LMS_MAX_UPLOAD_BYTES"]), int(config["LMS_MAX_ROSTER_ROWS"])


def plan_roster(
    session: Session,
    *,
    data: bytes,
    filename: str,
    kind: RosterKind,
    scope: OrgUnit,
    importer: User | None,
    school_year: str,
    max_bytes: int,
    max_rows: int,
    progress: RosterProgress | None = None,
) -> RosterPlan:
    """Read a roster file and work out every change, writing nothing.

    :param scope: the org unit the import is made for; every row must fall inside it.
    :param importer: the signed-in user (``None`` for the command line, which is trusted).
    :param school_year: the year new memberships and classes belong to, e.g. "2026-2027".
    :param progress: told the rows read, then checked (a job's progress bar).
    """
    if scope.kind is OrgKind.CLASS:
        raise InvalidRosterScopeError(
            _("Hãy nhập danh sách ở trang của trường, không phải ở trang của một lớp.")
        )
    if (
        kind is RosterKind.UNITS
        and importer is not None
        and not user_can(session, importer, (Role.ADMIN,), scope)
    ):
        raise AccessDeniedError(_("Chỉ quản trị viên mới được nhập danh sách đơn vị."))
    plan = RosterPlan(kind=kind, scope=scope, school_year=school_year)
    columns = columns_for(kind, scope)
    try:
        table = read_table(
            data, filename, columns, max_bytes=max_bytes, max_rows=max_rows,
            key_column=KEY_COLUMNS[kind], progress=progress,
        )
    except RosterFileError as error:
        plan.problems.append(Problem(error.message))
        return plan
    plan.columns = table.columns
    plan.header_row = table.header_row
    checker = _RowChecker(plan, table)
    rows = [row for row in table.rows if checker.no_formulas(row)]
    if progress is not None:
        progress(0, len(rows), _("Đang kiểm tra các dòng"))
    if kind is RosterKind.STUDENTS:
        _plan_students(session, plan, checker, rows)
    elif kind is RosterKind.STAFF:
        _plan_staff(session, plan, checker, rows)
    else:
        _plan_units(session, plan, checker, rows)
    plan.problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    if plan.problems:
        plan.changes = []
    if progress is not None:
        progress(len(rows), len(rows), _("Đang kiểm tra các dòng"))
    return plan


@dataclass
class ImportResult:
    """What an import did."""

    counts: dict[str, int]
    classes_created: int = 0


def apply_roster(
    session: Session,
    plan: RosterPlan,
    *,
    actor_id: int | None,
    ip: str | None = None,
    filename: str = "",
    sha256: str = "",
    progress: RosterProgress | None = None,
) -> ImportResult:
    """Write every change of a checked plan and record the import; the caller commits once.

    Raises :class:`LMSError` if the plan has problems: nothing is written then.

    :param progress: told the rows written (a job's progress bar).
    """
    if not plan.ok:
        raise LMSError(_("Tệp còn lỗi, chưa nhập được. Hãy sửa các lỗi đã liệt kê rồi tải lại."))
    created = 0
    if plan.kind is RosterKind.STUDENTS:
        created = _apply_students(session, plan, progress)
    elif plan.kind is RosterKind.STAFF:
        _apply_staff(session, plan)
    else:
        _apply_units(session, plan)
    result = ImportResult(counts=plan.counts, classes_created=created)
    record_event(
        session,
        "roster_imported",
        actor_id=actor_id,
        org_unit_id=plan.scope.id,
        ip=ip,
        kind=plan.kind.value,
        filename=filename,
        sha256=sha256,
        school_year=plan.school_year,
        classes_created=created,
        **result.counts,
    )
    session.flush()
    if progress is not None:
        progress(len(plan.changes), len(plan.changes), _("Đang ghi vào cơ sở dữ liệu"))
    return result
