"""Write a table to an Excel workbook (openpyxl, write-only: rows are never all in memory), every
cell made inert by :func:`certificates.inert.inert_cell`."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font

from certificates.inert import inert_cell

#: Fixed workbook properties: the same rows give the same content, whenever exported.
CREATOR = "Truong hoc an toan"
#: How number and date cells are shown: real numbers, never text, so the sheet can add them
#: up; Excel writes the separators of the reader's own locale (1.234,5 or 1,234.5). Every
#: fraction the product exports is a rate with one decimal.
NUMBER_FORMATS: dict[type, str] = {
    int: "#,##0", float: "#,##0.0", dt.datetime: "DD/MM/YYYY HH:MM", dt.date: "DD/MM/YYYY",
}


def inert_cells(sheet: Any, values: Iterable[Any], *, font: Font | None = None) -> list[Cell]:
    """Return cells to ``sheet.append`` (normal or write-only sheet): text is stored as text,
    numbers and dates as numbers with a format (:data:`NUMBER_FORMATS`).

    openpyxl stores any text starting with ``=`` as a formula; the cells made here hold
    :func:`inert_cell` values and are typed as strings, so no formula reaches the file.
    """
    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=inert_cell(value))
        if isinstance(cell.value, str):
            cell.data_type = "s"
        elif not isinstance(value, bool):
            number_format = next(
                (f for kind, f in NUMBER_FORMATS.items() if isinstance(value, kind)), None
            )
            if number_format is not None:
                cell.number_format = number_format
        if font is not None:
            cell.font = font
        cells.append(cell)
    return cells


def table_to_xlsx(
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    preamble: Sequence[str] = (),
    widths: Sequence[int] = (),
) -> bytes:
    """Return an .xlsx with one sheet: ``preamble`` lines, bold ``headers``, then ``rows``.

    :param title: the sheet's name (Excel allows 31 characters; longer is cut).
    :param widths: column widths in characters, in the order of ``headers``.
    """
    workbook = Workbook(write_only=True)
    workbook.properties.creator = CREATOR
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[_column_letter(index)].width = width
    bold = Font(bold=True)
    for line in preamble:
        sheet.append(inert_cells(sheet, [line], font=bold))
    if preamble:
        sheet.append([])
    sheet.append(inert_cells(sheet, headers, font=bold))
    for row in rows:
        sheet.append(inert_cells(sheet, row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
