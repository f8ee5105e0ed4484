"""Assemble one coverage report (what the dashboard shows and every export prints)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from lms_module.core.collation import text_sort_key
from lms_module.coverage.figures import (
    Figures,
    GradeFigures,
    ReportScope,
    TargetReport,
    UnitFigures,
    _rollup_sums,
    _scope_conditions,
    children_figures,
    school_class_figures,
    school_grade_figures,
    scope_of,
    target_reports,
)
from lms_module.coverage.models import CoverageSchoolRollup
from lms_module.coverage.rollup import ensure_rollup
from lms_module.coverage.status import Status
from lms_module.db import subtree_condition
from lms_module.i18n import format_percent as format_percent  # the one helper, re-exported
from lms_module.learning.models import Audience
from lms_module.obligations.models import CoverageTarget
from lms_module.obligations.targets import targets_for
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import unit_sort_key
from lms_module.people.models import Role

#: Who reads coverage reports, each over their own subtree (the pages and the export jobs).
VIEW_ROLES = (Role.OFFICE_REVIEWER, Role.SCHOOL_MANAGER, Role.ADMIN)

STATUS_LABELS: dict[Status, LazyString] = {
    Status.MET: _l("Đạt chỉ tiêu"),
    Status.ON_TRACK: _l("Đúng tiến độ"),
    Status.AT_RISK: _l("Có nguy cơ chậm"),
    Status.OFF_TRACK: _l("Chậm tiến độ"),
    Status.NO_POPULATION: _l("Chưa có người cần học"),
}
AUDIENCE_LABELS: dict[Audience, LazyString] = {
    Audience.STUDENT: _l("Học sinh"),
    Audience.TEACHER: _l("Giáo viên"),
    Audience.STAFF: _l("Nhân viên"),
    Audience.MANAGER: _l("Cán bộ quản lý"),
    Audience.PARENT: _l("Gia đình có trẻ em"),
}
#: Sort keys of the drill-down table (query string ``sort``).
SORT_KEYS = ("coverage", "name", "population", "to_train")


def format_date(day: dt.date) -> str:
    """Return dd/mm/yyyy."""
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class DrillRow:
    """A row of a drill-down table: a unit (or grade) with the selected target's figures."""

    label: str
    figures: Figures
    still_to_train: int
    unit: OrgUnit | None = None
    kind_label: str = ""


@dataclass
class CoverageReport:
    """Every figure of the coverage report of one unit for one school year."""

    unit: OrgUnit
    school_year: str
    today: dt.date
    school_level: SchoolLevel | None
    targets: list[TargetReport]
    selected: TargetReport | None
    children: list[DrillRow] = field(default_factory=list)
    grades: list[DrillRow] = field(default_factory=list)
    classes: list[DrillRow] = field(default_factory=list)

    @property
    def reporting_date(self) -> dt.date:
        """The day the figures are counted on."""
        return self.selected.reporting_date if self.selected else self.today


def _drill_rows(rows: Sequence[UnitFigures], percent: float) -> list[DrillRow]:
    from lms_module.people.labels import KIND_LABELS, LEVEL_LABELS

    result = []
    labels: dict[tuple[OrgKind, SchoolLevel | None], str] = {}  # translate each kind once
    for row in rows:
        key = (row.unit.kind, row.unit.school_level)
        if key not in labels:
            labels[key] = str(KIND_LABELS[key[0]]) + (
                f" · {LEVEL_LABELS[key[1]]}" if key[1] is not None else ""
            )
        kind = labels[key]
        result.append(
            DrillRow(row.unit.name, row.figures, row.figures.still_to_train(percent), row.unit,
                     kind)
        )
    return result


def sort_rows(rows: list[DrillRow], key: str, descending: bool) -> list[DrillRow]:
    """Sort drill-down rows server-side; units without population always come last.

    Names compare in Vietnamese order (:mod:`~lms_module.core.collation`), also as the tie
    breaker of the other keys.
    """
    if key == "name":
        return sorted(rows, key=lambda r: text_sort_key(r.label), reverse=descending)
    if key == "population":
        return sorted(rows, key=lambda r: (r.figures.population, text_sort_key(r.label)),
                      reverse=descending)
    if key == "to_train":
        return sorted(rows, key=lambda r: (r.still_to_train, text_sort_key(r.label)),
                      reverse=descending)
    with_data = [r for r in rows if r.figures.percent is not None]
    without = [r for r in rows if r.figures.percent is None]
    with_data.sort(key=lambda r: (r.figures.percent or 0.0, text_sort_key(r.label)),
                   reverse=descending)
    return with_data + sorted(without, key=lambda r: text_sort_key(r.label))


def build_report(
    session: Session,
    unit: OrgUnit,
    *,
    school_year: str,
    today: dt.date,
    audience: Audience | None = None,
    school_level: SchoolLevel | None = None,
    target_id: int | None = None,
    sort: str = "coverage",
    descending: bool = False,
    with_classes: bool = False,
) -> CoverageReport:
    """Report every target that applies to ``unit`` and drill down for the selected one.

    :param with_classes: also report grades and classes (a school, for its managers).
    """
    targets = target_reports(
        session, targets_for(session, unit, school_year, audience), unit, today, school_level
    )
    selected = next((t for t in targets if t.target.id == target_id), None)
    if selected is None and targets:
        selected = targets[0]
    report = CoverageReport(unit, school_year, today, school_level, targets, selected)
    if selected is None:
        return report
    scope = scope_of(selected.target, school_level)
    percent = selected.target.percent
    if unit.kind is not OrgKind.SCHOOL:
        report.children = sort_rows(
            _drill_rows(children_figures(session, unit, scope), percent), sort, descending
        )
    elif with_classes and selected.target.audience is Audience.STUDENT:
        report.grades = [
            DrillRow(str(_l("Khối %(grade)s", grade=g.grade)), g.figures,
                     g.figures.still_to_train(percent))
            for g in school_grade_figures(session, unit, scope)
        ]
        report.classes = _drill_rows(school_class_figures(session, unit, scope), percent)
    return report


def grade_rows(rows: Sequence[GradeFigures]) -> list[tuple[int, Figures]]:
    """Return (grade, figures) pairs (for exports)."""
    return [(row.grade, row.figures) for row in rows]


def schools_figures(
    session: Session, unit: OrgUnit, target: CoverageTarget, today: dt.date,
    school_level: SchoolLevel | None = None,
) -> list[UnitFigures]:
    """Return every school of ``unit``'s subtree with its figures for ``target`` (exports), by
    name in Vietnamese order."""
    ensure_rollup(session, target.requirement_id, target.school_year, target.audience, today)
    scope: ReportScope = scope_of(target, school_level)
    school = aliased(OrgUnit)
    rows = session.execute(
        select(school, *_rollup_sums(CoverageSchoolRollup))
        .join(CoverageSchoolRollup, CoverageSchoolRollup.unit_id == school.id)
        .where(
            school.kind == OrgKind.SCHOOL,
            subtree_condition(school.path, unit.path),
            *_scope_conditions(scope, CoverageSchoolRollup),
        )
        .group_by(school.id)
    ).all()
    rows = sorted(rows, key=lambda row: unit_sort_key(row[0]))
    return [UnitFigures(s, Figures(int(p), int(c), int(b))) for s, p, c, b in rows]
