"""Numbers as the reader's language writes them: on the dashboard, in the CSV (one rule: the
language's decimal mark, no thousands separator, ";" between fields in Vietnamese and "," in
English), in the XLSX (real numbers with a number format); the CSV names its charset once."""

from __future__ import annotations

import csv
import io

import pytest
from coverage_support import export_report
from openpyxl import load_workbook

CSV_TYPE = "text/csv; charset=utf-8"


def _csv_rows(data: bytes, delimiter: str) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                           delimiter=delimiter))


def _export(login, small, fmt: str, language: str | None = None):
    client = login(small.users["reviewer"])
    if language:
        client.set_cookie("lms_lang", language)
    response = export_report(client, small.units["province"].id, fmt)
    assert response.status_code == 200
    return response


def test_vietnamese_csv_writes_decimal_commas_between_semicolons(db, small, login):
    response = _export(login, small, "csv")
    rows = _csv_rows(response.data, ";")
    assert all(len(row) == 11 for row in rows)  # no field was split at a decimal comma
    students = next(row for row in rows if row[1] == "Toàn đơn vị" and row[2] == "Học sinh")
    #                 target    deadline       population covered rate  to train
    assert students[4:10] == ["95,0", "31/05/2027", "12", "7", "58,3", "5"]
    district = next(row for row in rows if row[0] == "Huyện Tam Đường (cũ)")
    assert district[8] == "57,1"


def test_english_csv_writes_decimal_points_between_commas(db, small, login):
    response = _export(login, small, "csv", "en")
    rows = _csv_rows(response.data, ",")
    assert all(len(row) == 11 for row in rows)
    students = next(row for row in rows if row[0] == "Sở GD-ĐT Lai Châu" and row[6] == "12")
    assert students[4:10] == ["95.0", "31/05/2027", "12", "7", "58.3", "5"]
    assert b";" not in response.data.split(b"\r\n")[1]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_csv_content_type_names_its_charset_once(db, small, login, language):
    response = _export(login, small, "csv", language)
    assert response.headers.getlist("Content-Type") == [CSV_TYPE]
    assert response.headers["Content-Type"].count("charset") == 1


@pytest.mark.parametrize("language", ["vi", "en"])
def test_xlsx_cells_hold_numbers_and_dates_with_a_number_format(db, small, login, language):
    response = _export(login, small, "xlsx", language)
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    row = sheet[5]
    target, deadline, population, covered, rate, to_train = (cell for cell in row[2:8])
    assert (target.value, population.value, covered.value, rate.value, to_train.value) == (
        95, 12, 7, 58.3, 5)
    assert all(cell.data_type == "n" for cell in (target, population, covered, rate, to_train))
    assert population.number_format == covered.number_format == "#,##0"
    assert rate.number_format == target.number_format == "#,##0.0"
    assert deadline.is_date and deadline.number_format == "DD/MM/YYYY"
    children = load_workbook(io.BytesIO(response.data)).worksheets[1]
    assert children["E2"].data_type == "n" and children["E2"].number_format == "#,##0.0"


def test_the_dashboard_writes_rates_in_the_pages_language(db, small, login):
    client = login(small.users["reviewer"])
    url = f"/units/{small.units['province'].id}/coverage"
    vietnamese = client.get(url).get_data(as_text=True)
    assert "58,3%" in vietnamese and "58.3%" not in vietnamese
    assert "Chỉ tiêu 95% trước ngày 31/05/2027" in vietnamese
    client.set_cookie("lms_lang", "en")
    english = client.get(url).get_data(as_text=True)
    assert "58.3%" in english and "58,3%" not in english
    assert "57.1%" in english  # the legacy district's row and bar


def test_large_figures_are_grouped_as_the_pages_language_groups_them(db, small, make_app):
    from helpers import sign_in

    app = make_app(LMS_INSERVICE_PERIODS_PER_YEAR=1200)
    client = app.test_client()
    assert sign_in(client, small.users["m1"].username, "mat-khau-thu-nghiem").status_code == 302
    url = f"/units/{small.units['primary'].id}/in-service"
    assert "1.200" in client.get(url).get_data(as_text=True)
    client.set_cookie("lms_lang", "en")
    page = client.get(url).get_data(as_text=True)
    assert "1,200" in page and "1.200" not in page
