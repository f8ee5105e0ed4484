"""Read roster files (.xlsx, CSV/TSV in any usual encoding) into header-mapped rows."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

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


@dataclass(slots=True)
class Cell:
    """One cell's text and where the spreadsheet shows it (column ``C``, row 5)."""

    text: str
    column: str
    row: int
    formula: bool = False

    @property
    def ref(self) -> str:
        """The cell's reference as the spreadsheet shows it, e.g. ``C5``."""
        return f"{self.column}{self.row}"


@dataclass(slots=True)
class SheetRow:
    """A data row: its number as the spreadsheet shows it and its cells' texts by column key.

    Compact (a province's file has 200,000 rows): the texts in a tuple, the keys and column
    letters in a ``layout`` the table's rows share; :attr:`cells` makes :class:`Cell` objects
    when asked.
    """

    number: int
    #: ``(key, column letter)`` of each cell the row has.
    layout: tuple[tuple[str, str], ...]
    texts: tuple[str, ...]
    #: The keys whose cell holds a formula (usually none).
    formulas: tuple[str, ...] = ()

    @property
    def cells(self) -> dict[str, Cell]:
        """The row's cells by column key."""
        return {
            key: Cell(text, letter, self.number, key in self.formulas)
            for (key, letter), text in zip(self.layout, self.texts, strict=True)
        }

    def text(self, key: str) -> str:
        """Return the cell's text ("" when the column is absent or the cell empty)."""
        for (other, _letter), text in zip(self.layout, self.texts, strict=True):
            if other == key:
                return text
        return ""


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
    progress: Callable[[int, int, str], None] | None = None,
) -> Table:
    """Decode a roster file and return its table, or raise :class:`RosterFileError`.

    The file's sheets are read row by row (an .xlsx is streamed, never loaded whole), and of
    the rows below the header only the cells of known columns are kept.

    :param columns: the columns the roster kind knows; at least the required ones must appear.
    :param key_column: the column whose empty cell, after a blank row, marks the table's end.
    :param progress: told ``(rows read, rows expected, stage)`` now and then.
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
    for sheet in sheets:
        table = _find_table(sheet, columns, key_column, max_rows, progress)
        if table is not None:
            table.legacy_encoding = legacy
            return table
    raise RosterFileError(_missing_header_message(columns, legacy))


# ------------------------------------------------------------------------------ decoding


class Sheet:
    """A sheet's rows as they are read: each a list of ``(text, is formula)`` by position.

    ``expected_rows`` is the number of rows the file announces (0 when unknown), for progress.
    """

    def __init__(self, rows: Iterator[list[Any]] | None = None, expected_rows: int = 0,
                 padded: bool = False) -> None:
        self.rows: Iterator[list[Any]] = rows or iter(())
        self.expected_rows = expected_rows
        #: Every row has every column (a spreadsheet's grid), so a short row's missing cells
        #: are empty cells, not absent ones (a CSV record may be shorter than its header).
        self.padded = padded
        #: The positions whose cells are read at once (``None``: all). Once the header is
        #: found, other cells are left as they are in the file until a footer check needs
        #: them (most rows never do): a province's file has columns the roster does not use.
        self.wanted: set[int] | None = None
        self.decode: Callable[[Any], tuple[str, bool]] = lambda cell: cast(
            "tuple[str, bool]", cell)

    def full(self, row: list[Any]) -> list[tuple[str, bool]]:
        """Return the row with every cell read (for the footer check)."""
        return [cell if isinstance(cell, tuple) else self.decode(cell) for cell in row]


def _grids(data: bytes, filename: str, max_rows: int) -> tuple[list[Sheet], bool]:
    """Return the file's sheets (read lazily), and whether a legacy encoding was used."""
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
    return [Sheet(_csv_rows(text, max_rows), text.count("\n"))], legacy


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


def _csv_rows(text: str, max_rows: int) -> Iterator[list[Any]]:
    """Split CSV/TSV text into cells, sniffing the delimiter among tab, ";" and ",".

    :raises RosterFileError: too many rows or columns, a cell longer than ``csv`` reads (128
        KiB: usually a quote that is never closed), or text ``csv`` cannot split.
    """
    first_line, _newline, rest = text.partition("\n")
    if re.fullmatch(r"\s*sep=.\s*", first_line):
        text = rest  # Excel's "sep=;" hint line, which Excel itself hides
    sample = [line for line in text[:1_000_000].splitlines()[: HEADER_SEARCH_ROWS + 5]
              if line.strip()]
    delimiter = max(
        ("\t", ";", ","),
        key=lambda d: (max((line.count(d) for line in sample), default=0), d == "\t"),
    )
    limit = max_rows + HEADER_SEARCH_ROWS + 200  # titles, blanks and footers around the table
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    record_line = 1  # where the record being read starts (a quoted cell may span lines)
    try:
        for number, record in enumerate(reader, start=1):
            if number > limit:
                raise RosterFileError(_too_many_rows(max_rows))
            if len(record) > MAX_CSV_COLUMNS:
                raise RosterFileError(_too_many_columns(record_line, len(record)))
            yield [(value, value.strip().startswith("=")) for value in record]
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


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _xlsx_sheets(data: bytes, max_rows: int) -> list[Sheet]:
    """Open an .xlsx (checking it is one) and return its worksheets, streamed row by row.

    The sheets' XML is parsed as a stream (lxml, no entities, no network) and each row is
    dropped once read, so memory holds the shared strings and the rows kept, never the
    whole sheet; values are read as openpyxl reads them (shared and inline strings, numbers,
    dates by their number format, booleans, formulas as such).
    """
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
    try:
        workbook = _XlsxWorkbook(archive, names)
    except RosterFileError:
        raise
    except Exception as error:  # lxml, zipfile and openpyxl's styles raise many kinds
        raise RosterFileError(_broken_xlsx()) from error
    sheets = []
    for path in workbook.sheet_paths:
        sheet = Sheet(expected_rows=workbook.expected_rows(path), padded=True)
        sheet.rows = _guarded(workbook.rows(path, max_rows, sheet))
        sheet.decode = workbook.decode
        sheets.append(sheet)
    return sheets


def _guarded(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    """Turn a damaged sheet's parser errors into the message people can act on."""
    try:
        yield from rows
    except RosterFileError:
        raise
    except Exception as error:  # lxml and zipfile raise many kinds on damaged files
        raise RosterFileError(_broken_xlsx()) from error


def _parse(source: Any) -> Any:
    from lxml import etree

    return etree.parse(source, etree.XMLParser(resolve_entities=False, no_network=True))


class _XlsxWorkbook:
    """What reading an .xlsx's sheets needs: their paths, shared strings, number formats."""

    def __init__(self, archive: zipfile.ZipFile, names: set[str]) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
        from openpyxl.styles.stylesheet import Stylesheet

        self.archive = archive
        book = _parse(archive.open("xl/workbook.xml")).getroot()
        properties = book.find(f"{_MAIN}workbookPr")
        self.date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        targets: dict[str, tuple[str, str]] = {}
        if "xl/_rels/workbook.xml.rels" in names:
            rels = _parse(archive.open("xl/_rels/workbook.xml.rels")).getroot()
            for rel in rels.iter(f"{_PACKAGE_RELS}Relationship"):
                target = rel.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                targets[rel.get("Id", "")] = (rel.get("Type", ""), path)
        self.sheet_paths = []
        for sheet in book.iter(f"{_MAIN}sheet"):
            kind, path = targets.get(sheet.get(_RELATIONSHIP, ""), ("", ""))
            if kind.endswith("/worksheet") and path in names:
                self.sheet_paths.append(path)
        strings_path = next((path for kind, path in targets.values()
                             if kind.endswith("/sharedStrings")), "xl/sharedStrings.xml")
        self.strings = self._strings(strings_path) if strings_path in names else []
        #: Per cell style: its number format, and whether it shows a date or a duration.
        self.formats: list[str] = []
        self.dates: set[int] = set()
        self.durations: set[int] = set()
        if "xl/styles.xml" in names:
            from openpyxl.xml.functions import fromstring

            stylesheet = Stylesheet.from_tree(fromstring(archive.read("xl/styles.xml")))
            for style in stylesheet.cell_styles:
                number = style.numFmtId
                self.formats.append(
                    BUILTIN_FORMATS.get(number, "General") if number < BUILTIN_FORMATS_MAX_SIZE
                    else stylesheet.number_formats[number - BUILTIN_FORMATS_MAX_SIZE]
                )
            self.dates = set(stylesheet.date_formats)
            self.durations = set(stylesheet.timedelta_formats)

    def _strings(self, path: str) -> list[str]:
        from lxml import etree

        strings = []
        text_tag, run_tag, item_tag = f"{_MAIN}t", f"{_MAIN}r", f"{_MAIN}si"
        for _event, item in etree.iterparse(self.archive.open(path), tag=item_tag,
                                            resolve_entities=False, no_network=True):
            direct = item.find(text_tag)
            if direct is not None:
                strings.append(direct.text or "")
            else:
                strings.append("".join(run.findtext(text_tag) or "" for run in item.iter(run_tag)))
            item.clear()
            while item.getprevious() is not None:
                del item.getparent()[0]
        return strings

    def expected_rows(self, path: str) -> int:
        """The rows the sheet's dimension announces (0 if it has none), read from its start."""
        from lxml import etree

        for _event, element in etree.iterparse(
            self.archive.open(path), events=("start",),
            tag=(f"{_MAIN}dimension", f"{_MAIN}sheetData"),
            resolve_entities=False, no_network=True,
        ):  # the dimension comes before the data: stop there
            if element.tag == f"{_MAIN}dimension":
                last = element.get("ref", "").rpartition(":")[2].lstrip(_LETTERS)
                return int(last) if last.isdigit() else 0
            return 0
        return 0

    def rows(self, path: str, max_rows: int, sheet: Sheet) -> Iterator[list[Any]]:
        """Yield the sheet's rows from the first, a missing row as an empty one; a cell at a
        position ``sheet`` does not want yet stays an element (read by :meth:`decode`)."""
        from lxml import etree

        limit = max_rows + HEADER_SEARCH_ROWS + 200  # titles, blanks, footers around the table
        row_tag, cell_tag = f"{_MAIN}row", f"{_MAIN}c"
        number = 0
        for _event, element in etree.iterparse(self.archive.open(path), tag=row_tag,
                                               resolve_entities=False, no_network=True):
            stated = element.get("r")
            row_number = int(stated) if stated and stated.isdigit() else number + 1
            while number + 1 < row_number:  # rows the file leaves out are empty rows
                number += 1
                if number > limit:
                    raise RosterFileError(_too_many_rows(max_rows))
                yield []
            number = row_number
            if number > limit:
                raise RosterFileError(_too_many_rows(max_rows))
            cells: list[Any] = []
            wanted = sheet.wanted
            for cell in element.iterchildren(cell_tag):
                ref = cell.get("r")
                position = _column_index(ref) if ref else len(cells)
                while len(cells) < position:
                    cells.append(_EMPTY)
                cells.append(self._cell(cell) if wanted is None or position in wanted else cell)
            yield cells
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]

    def decode(self, cell: Any) -> tuple[str, bool]:
        """Read a cell left as an element (valid until the next row is read)."""
        return self._cell(cell)

    def _cell(self, cell: Any) -> tuple[str, bool]:
        """Return a cell's text and whether it holds a formula, as ``_value_text`` tells."""
        raw = formula = inline = None
        for child in cell:
            tag = child.tag
            if tag == _VALUE:
                raw = child.text
            elif tag == _FORMULA:
                formula = child
            elif tag == _INLINE:
                inline = child
        if formula is not None:
            return unicodedata.normalize("NFC", "=" + (formula.text or "")), True
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            if inline is None:
                return _EMPTY
            direct = inline.find(_TEXT)
            text = (direct.text or "") if direct is not None else "".join(
                run.findtext(_TEXT) or "" for run in inline.iter(f"{_MAIN}r"))
            return _value_text(text, ""), False
        if not raw:
            return _EMPTY
        if kind == "s":
            return self.string_text(int(raw)), False
        value: object
        style = int(cell.get("s") or 0)
        if kind == "n":
            value = _number(raw)
            if style in self.dates:
                from openpyxl.utils.datetime import (
                    CALENDAR_MAC_1904,
                    CALENDAR_WINDOWS_1900,
                    from_excel,
                )

                epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
                try:
                    value = from_excel(value, epoch, timedelta=style in self.durations)
                except (OverflowError, ValueError):
                    value = "#VALUE!"
        elif kind == "b":
            value = bool(int(raw))
        elif kind == "d":
            from openpyxl.utils.datetime import from_ISO8601

            value = from_ISO8601(raw)
        else:  # "str" (a formula's text, kept without its formula), "e" (an error)
            value = raw
        number_format = self.formats[style] if style < len(self.formats) else "General"
        formula_like = not isinstance(value, str | int | float | dt.date | type(None))
        return _value_text(value, number_format), formula_like

    def string_text(self, index: int) -> str:
        """Return a shared string's text (normalised once, however many cells use it)."""
        text = self.strings[index]
        if not text.isascii():
            text = self.strings[index] = unicodedata.normalize("NFC", text)
        return text


_VALUE, _FORMULA, _INLINE, _TEXT = (f"{_MAIN}{tag}" for tag in ("v", "f", "is", "t"))
_EMPTY = ("", False)
#: Whitespace a cell's text loses: doubled, at either end, or other than a plain space.
_UNEVEN_SPACE = re.compile(r"\s\s|^\s|\s$|[^\S ]")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@functools.lru_cache(maxsize=4096)
def _column_letters_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _column_index(ref: str) -> int:
    """Return the 0-based column of a cell reference such as ``AB12``."""
    return _column_letters_index(ref.rstrip("0123456789").upper())


def _number(text: str) -> int | float:
    """Read a stored number as openpyxl does (integers stay integers)."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _broken_xlsx() -> str:
    return str(
        _(
            "Tệp Excel bị hỏng hoặc không đúng định dạng .xlsx. Hãy mở tệp bằng Excel, kiểm "
            "tra dữ liệu rồi lưu lại dưới dạng .xlsx và tải lên lại."
        )
    )


def _value_text(value: object, number_format: str) -> str:
    """Return the text of a cell's value as people see it in the spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        text = str(int(value))
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
    sheet: Sheet,
    columns: Sequence[Column],
    key_column: str,
    max_rows: int,
    progress: Callable[[int, int, str], None] | None = None,
) -> Table | None:
    rows = iter(sheet.rows)
    top = [row for _index, row in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
    header_index: int | None = None
    header: dict[str, int] = {}
    for index, row in enumerate(top):
        mapping: dict[str, int] = {}
        for position, (text, _formula) in enumerate(row):
            key = _match_header(text, columns)
            if key is not None and key not in mapping:
                mapping[key] = position
        hits = _header_hits(mapping, columns)
        if hits >= 2 and hits > _header_hits(header, columns):
            header_index, header = index, mapping
    if header_index is None:
        return None
    header_cells = top[header_index]
    table = Table(
        columns={key: header_cells[pos][0].strip() for key, pos in header.items()},
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
    sheet.wanted = set(header.values())
    full_layout = tuple((key, table.letters[key]) for key in header)

    def ends(row: list[Any], key_text: str) -> bool:
        if key_text.strip() and (key_text.isalnum() or not FOOTER_PATTERN.match(fold(key_text))):
            return False  # the usual data row: its other cells need not be read
        return _ends_table(sheet.full(row), key_text)

    # Below the header, keep each row's known cells, whether it has a key, and whether it
    # reads as a footer: the table's end is told from them once every row is read.
    kept: list[tuple[int, SheetRow, bool, str, bool]] = []
    last_keyed = -1
    expected = max(sheet.expected_rows - table.header_row, 0)
    stage = _("Đang đọc tệp")
    for index, row in enumerate(itertools.chain(top, rows)):
        if progress is not None and index % 5000 == 0 and index > header_index:
            progress(index - header_index, max(expected, index - header_index), stage)
        raw_key = row[key_position][0] if key_position is not None and key_position < len(
            row) else ""
        raw_ends = bool(raw_key.strip()) and ends(row, raw_key)
        if raw_key.strip() and not raw_ends:
            last_keyed = index
        if index <= header_index:
            continue
        texts: list[str] = []
        formulas: tuple[str, ...] = ()
        present = full_layout
        for key, position in header.items():
            if position < len(row):
                text, formula = row[position]
            elif sheet.padded:
                text, formula = _EMPTY
            else:
                present = tuple(pair for pair in full_layout if header[pair[0]] < len(row))
                continue
            if formula:
                text = text.strip()
                formulas += (key,)
            elif _UNEVEN_SPACE.search(text):  # else keep the very string (shared strings)
                text = " ".join(text.split())
            texts.append(text)
        cells = SheetRow(index + 1, present, tuple(texts), formulas)
        blank = not any(texts)
        key_text = cells.text(key_column)
        footer = not blank and (raw_ends if key_text.strip() else ends(row, key_text))
        kept.append((index, cells, blank, key_text, footer))
    if progress is not None:
        progress(len(kept), len(kept), stage)
    seen_blank = False
    for index, cells, blank, key_text, footer in kept:
        if blank:
            seen_blank = True  # a blank row inside the table is skipped, at its end it ends it
            continue
        if footer:
            break
        if not key_text and seen_blank and index > last_keyed:
            break  # signatures and notes under the table
        table.rows.append(cells)
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


def _ends_table(row: Sequence[tuple[str, bool]], key_text: str) -> bool:
    """Tell a footer row ("Người lập biểu", "Tổng số: 35 học sinh") from a data row."""
    # Every footer pattern holds a space once folded: a code or one word is never a footer.
    if key_text.strip() and (key_text.isalnum() or not FOOTER_PATTERN.match(fold(key_text))):
        return False
    return any(FOOTER_PATTERN.match(fold(text)) for text, _formula in row if text.strip())


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
