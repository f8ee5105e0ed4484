"""Every spreadsheet the product writes stays inert when names in the database look like formulas.

Names stored before imports refused them (or typed by an author) reach the coverage report of the
school manager and of the province reviewer, the BDTX sheet and the roster templates: each file is
downloaded as its user does, read back, and every cell of it is checked.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from coverage_support import SmallTree, export_report
from openpyxl import load_workbook
from sqlalchemy import select

from certificates.inert import FORMULA_TRIGGERS
from lms_module.certification.models import Certificate

#: What an attacker names a class, a unit, a person or a course.
LINK = '=HYPERLINK("http://evil.example","x")'
HOSTILE = [LINK, "+1", "-2+3", "@SUM(A1)", "\tx"]

#: The spreadsheet routes this module downloads with hostile data (see the last tests).
EXERCISED = {"lms.coverage.export", "lms.certification.in_service_xlsx", "lms.roster.template"}


@pytest.fixture
def hostile(db, small: SmallTree) -> SmallTree:
    """Give the small tree's units, classes, people and course titles formula-like names."""
    units, users = small.units, small.users
    units["province"].name = "@SUM(A1)"
    units["district"].name = "\tx"
    units["primary"].name = LINK
    units["ward"].name = "-2+3"
    units["thcs"].name = "+1"
    units["2A"].name = "-2+3"
    units["3A"].name = LINK
    small.student_requirement.title_vi = "+1"
    small.adult_requirement.title_vi = LINK
    users["t1"].full_name = LINK
    users["t1"].staff_code = "-2+3"
    users["t2"].full_name = "@SUM(A1)"
    users["m1"].full_name = "\tx"
    users["m1"].staff_code = "+1"
    certificate = db.scalars(select(Certificate).where(Certificate.user_id == users["t1"].id)).one()
    certificate.course_title_vi = "@SUM(A1)"
    certificate.credit_periods = 5
    db.flush()
    return small


def xlsx_cells(data: bytes) -> list[object]:
    """Every cell of every sheet, checking that none holds a formula."""
    workbook = load_workbook(io.BytesIO(data))
    cells = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
                cells.append(cell.value)
    return cells


def assert_inert(values: list[object], expected: set[str]) -> None:
    """No text starts like a formula, each ``expected`` name is there behind an apostrophe, and
    the figures are still numbers."""
    texts = [v for v in values if isinstance(v, str)]
    assert not [t for t in texts if t[:1] in FORMULA_TRIGGERS or t.lstrip(" ")[:1] in
                FORMULA_TRIGGERS]
    for name in expected:
        assert any(t.startswith("'" + name) for t in texts), name


def csv_fields(data: bytes) -> list[object]:
    """Every field of a CSV report (Vietnamese: fields separated by ";")."""
    assert data.startswith(b"\xef\xbb\xbf")
    return [field for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                                        delimiter=";")
            for field in row]


def test_province_reviewers_xlsx_report_holds_no_formula(db, hostile, login):
    client = login(hostile.users["reviewer"])
    response = export_report(client, hostile.units["province"].id, "xlsx")
    assert response.status_code == 200
    cells = xlsx_cells(response.data)
    assert_inert(cells, {LINK, "+1", "-2+3", "\tx"})
    assert 12 in cells and 58.3 in cells  # the province's students: still numbers


def test_province_reviewers_csv_report_has_no_field_starting_like_a_formula(db, hostile, login):
    client = login(hostile.users["reviewer"])
    response = client.get(f"/units/{hostile.units['province'].id}/coverage/report.csv")
    assert response.status_code == 200
    assert_inert(csv_fields(response.data), {"@SUM(A1)", "+1", "-2+3", "\tx"})


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_school_managers_report_of_classes_holds_no_formula(db, hostile, login, fmt):
    client = login(hostile.users["m1"])
    response = client.get(f"/units/{hostile.units['primary'].id}/coverage/report.{fmt}")
    assert response.status_code == 200
    values = xlsx_cells(response.data) if fmt == "xlsx" else csv_fields(response.data)
    assert_inert(values, {LINK, "-2+3", "+1"})  # classes 3A and 2A, the requirement


def test_in_service_sheet_holds_no_formula(db, hostile, login):
    issued = db.scalars(select(Certificate.issued_on).where(
        Certificate.user_id == hostile.users["t1"].id)).one()
    start = issued.year if issued.month >= 8 else issued.year - 1
    client = login(hostile.users["m1"])
    response = client.get(f"/units/{hostile.units['primary'].id}/in-service.xlsx",
                          query_string={"year": f"{start}-{start + 1}"})
    assert response.status_code == 200
    cells = xlsx_cells(response.data)
    assert_inert(cells, {LINK, "-2+3", "@SUM(A1)", "\tx", "+1"})
    assert 5 in cells  # t1's periods


@pytest.mark.parametrize("kind", ["students", "staff", "units"])
def test_roster_templates_hold_no_formula(db, hostile, login, kind):
    client = login(hostile.users["admin"])
    response = client.get(f"/units/{hostile.units['province'].id}/roster/template.xlsx",
                          query_string={"kind": kind})
    assert response.status_code == 200
    assert_inert(xlsx_cells(response.data), set())


def test_every_spreadsheet_download_is_checked_here(app):
    """A new .xlsx/.csv route fails here until it is downloaded above with hostile names."""
    spreadsheet_routes = {
        rule.endpoint for rule in app.url_map.iter_rules()
        if re.search(r"\.(xlsx|csv|tsv|ods)$|<fmt>", rule.rule)
    }
    assert spreadsheet_routes == EXERCISED


def test_every_spreadsheet_writer_uses_the_inert_cells():
    """A module that writes CSV or XLSX must pass its cells through certificates.inert."""
    root = Path(__file__).parents[3]
    sources = [path for package in ("lms_module", "certificates")
               for path in (root / package).rglob("*.py")]
    writers = [path for path in sources if re.search(
        r"csv\.(writer|DictWriter)\(|\bWorkbook\(", path.read_text(encoding="utf-8"))]
    assert writers  # the scan finds the writers (coverage exports, spreadsheet, template)
    forgetful = [str(p.relative_to(root)) for p in writers
                 if not re.search(r"\binert_(cell|cells|row)\(", p.read_text(encoding="utf-8"))]
    assert forgetful == []
