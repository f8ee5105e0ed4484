"""Exported cells are inert: formula-like text becomes text, numbers stay numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from certificates.inert import inert_cell, inert_row, starts_like_formula
from certificates.spreadsheet import inert_cells, table_to_xlsx

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
           " =1+1", "＝1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_leading_apostrophe(text):
    assert starts_like_formula(text)
    assert inert_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Nguyễn Văn Dũng", "2A", "'=quoted", "", "Sở GD-ĐT", "–"])
def test_ordinary_text_is_left_alone(value):
    assert inert_cell(value) == value


@pytest.mark.parametrize("value", [-2, -2.5, 0, 95, 58.3, None, True, dt.date(2027, 5, 31)])
def test_numbers_dates_and_empty_cells_stay_as_they_are(value):
    assert inert_cell(value) is value


def test_csv_row_read_back_has_no_field_starting_like_a_formula():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(inert_row([*HOSTILE, -2, 3.5]))
    fields = next(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert fields[:len(HOSTILE)] == ["'" + text for text in HOSTILE]
    assert fields[len(HOSTILE):] == ["-2", "3.5"]  # numbers are written as numbers


@pytest.mark.parametrize("write_only", [False, True])
def test_cells_are_stored_as_text_in_either_kind_of_sheet(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("T") if write_only else workbook.active
    sheet.append(inert_cells(sheet, [*HOSTILE, -2, 58.3, None]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0].iter_rows())
    assert [c.data_type for c in row[:len(HOSTILE)]] == ["s"] * len(HOSTILE)
    assert [c.value for c in row[:len(HOSTILE)]] == ["'" + text for text in HOSTILE]
    assert [(c.value, c.data_type) for c in row[len(HOSTILE):]] == [(-2, "n"), (58.3, "n")]


def test_table_to_xlsx_writes_no_formula_in_preamble_headers_or_rows():
    data = table_to_xlsx("BDTX", ["=H", "STT"], [[HOSTILE[0], -3], ["@x", 4]],
                         preamble=["-2+3"])
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows())
    cells = [cell for row in rows for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    assert [c.value for c in cells] == ["'-2+3", "'=H", "STT", "'" + HOSTILE[0], -3, "'@x", 4]
