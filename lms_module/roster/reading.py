"""Read roster files (.xlsx, CSV/TSV in any usual encoding) into header-mapped rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl.utils import get_column_letter

from lms_module.core.errors import LMSError

#: How many rows from the top may hold titles before the header row.
HEADER_SEARCH_ROWS = 15
#: Refuse archives that inflate beyond this (a zip bomb renamed .xlsx).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: Most columns a CSV row may have: as many as Excel allows (column XFD).
MAX_CSV_COLUMNS = 16_384

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
#: Signatures of files people rename to .xlsx by mistake, with a name they recognise.
FOREIGN_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7z"),
    (b"\x1f\x8b", "gzip"),
)


class RosterFileError(LMSError):
    """A file that cannot be read as a roster at all; the message says how to fix it."""


@dataclass(frozen=True)
class Column:
    """A column a roster may hold: its key, the name shown to users and the names accepted."""

    key: str
    label: str
    #: Other header names accepted, as people write them (matched without accents or case).
    other_names: tuple[str, ...] = ()
    required: bool = False
    #: Columns that together stand in for this one (e.g. "Họ đệm" + "Tên" for "Họ và tên").
    replaced_by: tuple[str, ...] = ()
    #: An optional column whose header still tells the header row from titles above it.
    header_hint: bool = False

    @property
    def aliases(self) -> frozenset[str]:
        """The accepted names, folded for matching."""
        return frozenset(fold(name) for name in (self.label, *self.other_names))


@dataclass
class Cell:
    """One cell's text and where the spreadsheet shows it (e.g. ``C5``)."""

    text: str
    ref: str
    formula: bool = False


@dataclass
class SheetRow:
    """A data row: its number as the spreadsheet shows it and its cells by column key."""

    number: int
    cells: dict[str, Cell]

    def text(self, key: str) -> str:
        """Return the cell's text ("" when the column is absent or the cell empty)."""
        cell = self.cells.get(key)
        return cell.text if cell is not None else ""


@dataclass
class Table:
    """A roster table found in a file: the header's columns and the rows below it."""

    columns: dict[str, str]  # key -> header text as written in the file
    letters: dict[str, str]  # key -> column letter
    rows: list[SheetRow] = field(default_factory=list)
    header_row: int = 1
    legacy_encoding: bool = False


def fold(text: str) -> str:
    """Return ``text`` without diacritics, lower-cased, punctuation folded to single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    max_bytes: int,
    max_rows: int,
    key_column: str,
) -> Table:
    """Decode a roster file and return its table, or raise :class:`RosterFileError`.

    :param columns: the columns the roster kind knows; at least the required ones must appear.
    :param key_column: the column whose empty cell, after a blank row, marks the table's end.
    """
    if len(data) > max_bytes:
        raise RosterFileError(
            _(
                "Tệp quá lớn (%(size)s MB, tối đa %(limit)s MB). Hãy chia danh sách thành "
                "nhiều tệp nhỏ hơn rồi tải lên lần lượt.",
                size=f"{len(data) / 1024 / 1024:.1f}",
                limit=f"{max_bytes / 1024 / 1024:.0f}",
            )
        )
    if not data.strip():
        raise RosterFileError(
            _("Tệp trống. Hãy chọn đúng tệp danh sách (Excel .xlsx hoặc .csv) có dữ liệu.")
        )
    sheets, legacy = _grids(data, filename, max_rows)
    for grid in sheets:
        table = _find_table(grid, columns, key_column, max_rows)
        if table is not None:
            table.legacy_encoding = legacy
            return table
    raise RosterFileError(_missing_header_message(columns, legacy))


# ------------------------------------------------------------------------------ decoding

Grid = list[list[Cell]]


def _grids(data: bytes, filename: str, max_rows: int) -> tuple[list[Grid], bool]:
    """Return the file's sheets as rows of cells, and whether a legacy encoding was used."""
    head = data[:8]
    if head.startswith(OLE2_MAGIC):
        raise RosterFileError(_ole2_message(data))
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return _xlsx_sheets(data, max_rows), False
    for signature, kind in FOREIGN_SIGNATURES:
        if head.startswith(signature):
            raise RosterFileError(_not_a_spreadsheet(kind))
    text, legacy = _decode_text(data)
    stripped = text.lstrip().lower()
    if stripped.startswith(("<html", "<!doctype", "<?xml", "<table")):
        raise RosterFileError(
            _(
                "Tệp này là trang web (HTML/XML) đổi tên, không phải bảng tính. Hãy mở tệp "
                "bằng Excel rồi chọn Lưu thành (Save As) > Excel Workbook (.xlsx)."
            )
        )
    sample = text[:4096]
    controls = sum(1 for c in sample if unicodedata.category(c) == "Cc" and c not in "\t\r\n")
    if "\x00" in sample or controls > max(3, len(sample) // 100):  # binary, not text
        raise RosterFileError(_not_a_spreadsheet(filename.rsplit(".", 1)[-1].upper()))
    return [_csv_rows(text, max_rows)], legacy


def _not_a_spreadsheet(kind: str) -> str:
    return str(
        _(
            "Tệp này không phải bảng tính (có vẻ là tệp %(kind)s được đổi tên). Hãy mở danh "
            "sách bằng Excel và lưu lại dưới dạng .xlsx hoặc .csv.",
            kind=kind,
        )
    )


def _ole2_message(data: bytes) -> str:
    """Tell an encrypted .xlsx (stored in an OLE2 container) from an old .xls."""
    if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode(
        "utf-16-le"
    ) in data:
        return str(
            _(
                "Tệp Excel đang được đặt mật khẩu nên không đọc được. Hãy mở tệp, gỡ mật "
                "khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi lưu và tải lên lại."
            )
        )
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return str(
            _(
                "Đây là tệp Excel đời cũ (.xls), hệ thống chưa đọc được. Hãy mở tệp bằng "
                "Excel, chọn Lưu thành (Save As) và hãy lưu lại dưới dạng .xlsx."
            )
        )
    return _not_a_spreadsheet("Word/Office")


def _decode_text(data: bytes) -> tuple[str, bool]:
    """Decode CSV/TSV bytes: UTF-8 (with/without BOM), UTF-16, else Windows-1258; NFC."""
    legacy = False
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    elif len(data) >= 4 and data[1] == 0 and data[3] == 0 and data[0] != 0:
        encodings = ["utf-16-le"]
    elif len(data) >= 4 and data[0] == 0 and data[2] == 0 and data[1] != 0:
        encodings = ["utf-16-be"]
    else:
        encodings = ["utf-8", "cp1258"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        legacy = encoding == "cp1258"
        return unicodedata.normalize("NFC", text), legacy
    raise RosterFileError(
        _(
            "Không đọc được tiếng Việt trong tệp (bảng mã không rõ). Hãy mở tệp bằng Excel và "
            "lưu lại dưới dạng .xlsx, hoặc CSV UTF-8 (Comma delimited)."
        )
    )


def _csv_rows(text: str, max_rows: int) -> Grid:
    """Split CSV/TSV text into cells, sniffing the delimiter among tab, ";" and ",".

    :raises RosterFileError: too many rows or columns, a cell longer than ``csv`` reads (128
        KiB: usually a quote that is never closed), or text ``csv`` cannot split.
    """
    first_line, _newline, rest = text.partition("\n")
    if re.fullmatch(r"\s*sep=.\s*", first_line):
        text = rest  # Excel's "sep=;" hint line, which Excel itself hides
    sample = [line for line in text.splitlines()[: HEADER_SEARCH_ROWS + 5] if line.strip()]
    delimiter = max(
        ("\t", ";", ","),
        key=lambda d: (max((line.count(d) for line in sample), default=0), d == "\t"),
    )
    rows: Grid = []
    limit = max_rows + HEADER_SEARCH_ROWS + 200  # titles, blanks and footers around the table
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    record_line = 1  # where the record being read starts (a quoted cell may span lines)
    try:
        for number, record in enumerate(reader, start=1):
            if number > limit:
                raise RosterFileError(_too_many_rows(max_rows))
            if len(record) > MAX_CSV_COLUMNS:
                raise RosterFileError(_too_many_columns(record_line, len(record)))
            cells = []
            for index, value in enumerate(record, start=1):
                ref = f"{get_column_letter(index)}{number}"
                cells.append(Cell(value, ref, formula=value.strip().startswith("=")))
            rows.append(cells)
            record_line = reader.line_num + 1
    except csv.Error as error:
        raise RosterFileError(
            _(
                "Không đọc được tệp CSV từ dòng %(line)s: có một ô quá dài (hơn 128 KB) hoặc "
                "một dấu ngoặc kép (\") mở mà không đóng. Hãy mở tệp bằng Excel, kiểm tra dòng "
                "này rồi lưu lại dưới dạng .xlsx và tải lên lại.",
                line=record_line,
            )
        ) from error
    return rows


def _too_many_columns(line: int, count: int) -> str:
    return str(
        _(
            "Dòng %(line)s của tệp CSV có %(count)s cột, nhiều hơn Excel cho phép (%(limit)s "
            "cột). Hãy mở tệp bằng Excel, xóa các cột thừa rồi lưu lại dưới dạng .xlsx.",
            line=line,
            count=f"{count:,}".replace(",", "."),
            limit=f"{MAX_CSV_COLUMNS:,}".replace(",", "."),
        )
    )


def _xlsx_sheets(data: bytes, max_rows: int) -> list[Grid]:
    """Open an .xlsx (checking it is one) and return its sheets as rows of cells."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise RosterFileError(_broken_xlsx()) from error
    if "xl/workbook.xml" not in names:
        if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
            raise RosterFileError(
                _(
                    "Đây là tệp LibreOffice/OpenOffice (.ods). Hãy chọn Lưu thành (Save As) "
                    "và hãy lưu lại dưới dạng .xlsx."
                )
            )
        raise RosterFileError(
            _(
                "Tệp nén (zip) này không phải tệp Excel .xlsx. Hãy giải nén và chọn đúng tệp "
                "danh sách, hoặc mở bằng Excel và lưu lại dưới dạng .xlsx."
            )
        )
    if inflated > MAX_UNZIPPED_BYTES:
        raise RosterFileError(
            _("Tệp Excel quá lớn khi giải nén. Hãy chia danh sách thành nhiều tệp nhỏ hơn.")
        )
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it ignores (data validation, styles): harmless here.
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            sheets = [list(_xlsx_rows(sheet, max_rows)) for sheet in workbook.worksheets]
            workbook.close()
    except RosterFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds on damaged files
        raise RosterFileError(_broken_xlsx()) from error
    return sheets


def _broken_xlsx() -> str:
    return str(
        _(
            "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở tệp bằng Excel, kiểm "
            "tra dữ liệu rồi lưu lại dưới dạng .xlsx và tải lên lại."
        )
    )


def _xlsx_rows(sheet: object, max_rows: int) -> Iterator[list[Cell]]:
    limit = max_rows + HEADER_SEARCH_ROWS + 200  # titles, blanks and footers around the table
    for number, row in enumerate(sheet.iter_rows(), start=1):  # type: ignore[attr-defined]
        if number > limit:
            raise RosterFileError(_too_many_rows(max_rows))
        cells = []
        for index, cell in enumerate(row, start=1):
            ref = f"{get_column_letter(index)}{number}"
            formula = getattr(cell, "data_type", None) == "f" or not isinstance(
                cell.value, str | int | float | dt.date | type(None)
            )
            cells.append(Cell(_cell_text(cell), ref, formula=formula))
        yield cells


def _cell_text(cell: object) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        text = str(int(value))
        number_format = str(getattr(cell, "number_format", "") or "")
        if number_format and set(number_format) == {"0"}:
            text = text.zfill(len(number_format))  # "000000000000" keeps the leading zeros
        return text
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    return unicodedata.normalize("NFC", str(value))


def _too_many_rows(max_rows: int) -> str:
    return str(
        _(
            "Tệp có quá nhiều dòng (tối đa %(limit)s dòng mỗi lần). Hãy chia danh sách thành "
            "nhiều tệp, ví dụ mỗi khối một tệp.",
            limit=max_rows,
        )
    )


# ------------------------------------------------------------------------------ the table


def _match_header(text: str, columns: Sequence[Column]) -> str | None:
    """Return the key of the column a header cell names, if any."""
    folded = fold(text.replace("(*)", "").replace("*", ""))
    if not folded:
        return None
    for column in columns:
        if folded in column.aliases:
            return column.key
    best: tuple[int, str] | None = None
    for column in columns:  # "Họ và tên học sinh", "Lớp (năm học 2026-2027)"
        for alias in column.aliases:
            if folded.startswith(alias + " ") and (best is None or len(alias) > best[0]):
                best = (len(alias), column.key)
    return best[1] if best else None


def _find_table(
    rows: Grid, columns: Sequence[Column], key_column: str, max_rows: int
) -> Table | None:
    header_index: int | None = None
    header: dict[str, int] = {}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[str, int] = {}
        for position, cell in enumerate(row):
            key = _match_header(cell.text, columns)
            if key is not None and key not in mapping:
                mapping[key] = position
        hits = _header_hits(mapping, columns)
        if hits >= 2 and hits > _header_hits(header, columns):
            header_index, header = index, mapping
    if header_index is None:
        return None
    header_cells = rows[header_index]
    table = Table(
        columns={key: header_cells[pos].text.strip() for key, pos in header.items()},
        letters={key: get_column_letter(pos + 1) for key, pos in header.items()},
        header_row=header_index + 1,
    )
    for column in columns:
        if column.required and column.key not in header:
            if column.replaced_by and all(key in header for key in column.replaced_by):
                continue
            raise RosterFileError(_missing_column_message(columns, column.key, table.header_row))
    if key_column not in header:  # e.g. a class list without codes: its names end the table
        key_column = next(
            (key for c in columns if c.required for key in (c.key, *c.replaced_by)
             if key in header),
            key_column,
        )
    key_position = header.get(key_column)
    last_keyed = max(
        (
            index
            for index, row in enumerate(rows)
            if key_position is not None
            and key_position < len(row)
            and row[key_position].text.strip()
            and not _ends_table(row, row[key_position].text)
        ),
        default=-1,
    )
    seen_blank = False
    for index in range(header_index + 1, len(rows)):
        row = rows[index]
        cells = {key: row[pos] for key, pos in header.items() if pos < len(row)}
        for cell in cells.values():
            cell.text = " ".join(cell.text.split()) if not cell.formula else cell.text.strip()
        if not any(cell.text for cell in cells.values()):
            seen_blank = True  # a blank row inside the table is skipped, at its end it ends it
            continue
        key_text = cells[key_column].text if key_column in cells else ""
        if _ends_table(row, key_text):
            break
        if not key_text and seen_blank and index > last_keyed:
            break  # signatures and notes under the table
        table.rows.append(SheetRow(index + 1, cells))
        if len(table.rows) > max_rows:
            raise RosterFileError(_too_many_rows(max_rows))
    if not table.rows:
        raise RosterFileError(
            _(
                "Tệp chỉ có dòng tiêu đề (dòng %(row)s), chưa có dòng dữ liệu nào. Hãy nhập "
                "danh sách bên dưới dòng tiêu đề rồi tải lên lại.",
                row=table.header_row,
            )
        )
    return table


def _header_hits(mapping: dict[str, int], columns: Sequence[Column]) -> int:
    """Count the required columns (or their stand-ins) and hint columns a header row names."""
    return sum(
        1
        for c in columns
        if (c.required or c.header_hint)
        and (c.key in mapping or (c.replaced_by and all(k in mapping for k in c.replaced_by)))
    )


FOOTER_PATTERN = re.compile(
    r"^(nguoi lap|tong so|tong cong|cong |hieu truong|pho hieu truong|thu truong|giam doc|"
    r"xac nhan|ghi chu|ky ten|ky ghi ro|danh sach (nay|co)|.*ngay \S* thang)"
)


def _ends_table(row: Sequence[Cell], key_text: str) -> bool:
    """Tell a footer row ("Người lập biểu", "Tổng số: 35 học sinh") from a data row."""
    if key_text.strip() and not FOOTER_PATTERN.match(fold(key_text)):
        return False
    return any(FOOTER_PATTERN.match(fold(cell.text)) for cell in row if cell.text.strip())


def accepted_names(column: Column) -> str:
    """Return the header names accepted for a column, as a reader-friendly list."""
    return ", ".join(f"“{name}”" for name in (column.label, *column.other_names))


def _missing_column_message(columns: Sequence[Column], key: str, header_row: int) -> str:
    column = next(c for c in columns if c.key == key)
    return str(
        _(
            "Dòng tiêu đề (dòng %(row)s) thiếu cột “%(column)s”. Hãy thêm cột này với một "
            "trong các tên: %(names)s.",
            row=header_row,
            column=column.label,
            names=accepted_names(column),
        )
    )


def _missing_header_message(columns: Sequence[Column], legacy: bool) -> str:
    required = ", ".join(f"“{c.label}”" for c in columns if c.required)
    message = str(
        _(
            "Không tìm thấy dòng tiêu đề của danh sách trong %(rows)s dòng đầu. Bảng cần có "
            "các cột: %(columns)s. Hãy tải tệp mẫu và dán dữ liệu vào đó.",
            rows=HEADER_SEARCH_ROWS,
            columns=required,
        )
    )
    for column in columns:
        if column.header_hint and not column.required:
            message += " " + str(
                _("Nên có thêm cột “%(column)s” (không bắt buộc).", column=column.label)
            )
    if legacy:
        message += " " + str(
            _(
                "Nếu chữ tiếng Việt trong tệp bị lỗi phông (bảng mã TCVN3/ABC hay VNI), hãy "
                "chuyển sang Unicode bằng Unikey rồi lưu lại dưới dạng .xlsx."
            )
        )
    return message
