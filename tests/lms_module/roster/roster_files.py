"""Build roster files in memory, as schools' spreadsheets and Excel exports really look."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

STUDENT_HEADER = ["STT", "Mã định danh", "Họ và tên", "Lớp"]
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def students(count: int, *, start: int = 1, class_name: str = "2A") -> list[list[Any]]:
    """Rows of ``count`` students numbered from ``start`` (codes 0120000000NN)."""
    given = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Ngọc"]
    return [
        [n, f"0120{n:08d}", f"Nguyễn Văn {given[n % len(given)]}", class_name]
        for n in range(start, start + count)
    ]


def xlsx(
    rows: Sequence[Sequence[Any]],
    *,
    above: Sequence[Sequence[Any]] = (),
    below: Sequence[Sequence[Any]] = (),
    number_formats: dict[str, str] | None = None,
) -> bytes:
    """An .xlsx whose first sheet holds ``above`` (titles), the table, then ``below``."""
    workbook = Workbook()
    sheet = workbook.active
    for row in [*above, *rows, *below]:
        sheet.append(list(row))
    for ref, number_format in (number_formats or {}).items():
        sheet[ref].number_format = number_format
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",") -> str:
    """CSV text with CRLF line ends, as Excel writes it."""
    return "".join(delimiter.join(str(cell) for cell in row) + "\r\n" for row in rows)


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters precomposed, tones as combining marks."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")


def utf16_tsv(rows: Sequence[Sequence[Any]]) -> bytes:
    """Excel's "Unicode text": UTF-16 little-endian with a BOM, tab separated."""
    return csv_text(rows, "\t").encode("utf-16")


def ole2(*stream_names: str) -> bytes:
    """The start of an OLE2 compound file naming some streams (old .xls, encrypted .xlsx)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + b"".join(name.encode("utf-16-le") + b"\x00" * 16 for name in stream_names)


def plain_zip() -> bytes:
    """A zip archive of photos, not a workbook."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("anh-lop-2A.jpg", b"\xff\xd8\xff\xe0 not really a photo")
    return output.getvalue()
