"""Make exported cells inert: text a spreadsheet would run as a formula is written as text.

Every CSV and XLSX writer of the product passes its cells through :func:`inert_cell` (through
:func:`inert_row` for CSV, :func:`certificates.spreadsheet.inert_cells` for openpyxl): names,
class and unit names and course titles come from schools' files and authors, and a cell such as
``=HYPERLINK("http://...","x")`` would otherwise run in the office that opens the report (OWASP
"CSV Injection", ASVS 1.2.10). Imports check text with :func:`starts_like_formula` as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: First characters that make Excel, LibreOffice Calc or Google Sheets read a cell as a formula:
#: OWASP's list (= + - @ tab CR), line feed and NUL from ASVS 1.2.10, and, to be safe, the
#: full-width = + - @ that East Asian input methods type.
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\0\uff1d\uff0b\uff0d\uff20")


def starts_like_formula(text: str) -> bool:
    """Tell whether a spreadsheet may read ``text`` as a formula.

    Leading spaces are skipped: some spreadsheets trim them when they open a CSV file.
    """
    return text.lstrip(" ")[:1] in FORMULA_TRIGGERS if text else False


def inert_cell(value: Any) -> Any:
    """Return ``value`` as a cell no spreadsheet runs: formula-like text gets a leading ``'``.

    Numbers (a negative number too), dates, booleans and ``None`` are returned unchanged, so
    they stay numbers in the sheet; only text is ever changed.
    """
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def inert_row(values: Iterable[Any]) -> list[Any]:
    """Return a CSV row with every cell passed through :func:`inert_cell`."""
    return [inert_cell(value) for value in values]
