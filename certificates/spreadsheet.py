"""Write a table to an Excel workbook (openpyxl, write-only: rows are never all in memory)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

#: Fixed workbook properties: the same rows give the same content, whenever exported.
CREATOR = "Truong hoc an toan"


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
        cell = WriteOnlyCell(sheet, value=line)
        cell.font = bold
        sheet.append([cell])
    if preamble:
        sheet.append([])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(list(row))
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
