"""Serial numbers, the streamed ZIP writer and the Excel helper (no database)."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile
from functools import partial

import pytest
from openpyxl import load_workbook

from certificates.bulk import rendered, stream_zip, write_zip
from certificates.labels import holder_label, labels_for, signer_title
from certificates.numbering import format_serial, parse_serial
from certificates.pdf import CertificateContent, render_certificate
from certificates.spreadsheet import table_to_xlsx


def test_serials_are_zero_padded_with_year_and_unit_code():
    assert format_serial(12, 2026, "THTP") == "00012/2026/CN-THTP"
    assert parse_serial("00012/2026/CN-DEMO-TH-TP") == (12, 2026, "DEMO-TH-TP")
    with pytest.raises(ValueError):
        format_serial(0, 2026, "THTP")
    with pytest.raises(ValueError):
        parse_serial("12-2026")


def test_the_zip_stream_yields_one_chunk_per_entry_and_reads_back():
    entries = [(f"lop-1a/{n:03d}.pdf", lambda n=n: f"%PDF-{n}".encode() * 100) for n in range(5)]
    chunks = list(stream_zip(entries))
    assert len(chunks) == 6  # five entries, then the central directory
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    assert archive.read("lop-1a/003.pdf") == b"%PDF-3" * 100


def test_the_same_entries_make_the_same_zip_bytes():
    entries = [("a.pdf", lambda: b"x" * 10), ("b.pdf", lambda: b"y" * 10)]
    assert b"".join(stream_zip(entries)) == b"".join(stream_zip(entries))


def test_entries_are_rendered_only_when_written():
    rendered: list[int] = []

    def entry(n: int):
        def make() -> bytes:
            rendered.append(n)
            return b"z" * 10

        return f"{n}.pdf", make

    stream = stream_zip(entry(n) for n in range(3))
    next(stream)
    assert rendered == [0]


def test_memory_stays_flat_however_many_entries_are_zipped():
    block = b"p" * 200_000

    class Discard(io.RawIOBase):
        def write(self, data) -> int:
            return len(data)

    def peak(count: int) -> int:
        tracemalloc.start()
        write_zip(((f"{n}.pdf", lambda: block) for n in range(count)), Discard())
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    # Ten times the entries, not ten times the memory: only a few entries' bytes at once.
    small, large = peak(5), peak(50)
    assert large < small + 3 * len(block)


def test_labels_exist_in_both_languages_for_the_same_keys():
    assert labels_for("en").keys() == labels_for("vi").keys()
    assert labels_for("fr") == labels_for("vi")
    assert holder_label("vi", student=True) == "em"
    assert holder_label("vi", student=False) == "ông/bà"
    assert signer_title("vi", "school") == "HIỆU TRƯỞNG"


def test_a_table_becomes_a_workbook_with_bold_headers_after_the_preamble():
    data = table_to_xlsx("BDTX", ["STT", "Họ và tên"], [[1, "Lường Văn Sơn"]], preamble=["TRƯỜNG"])
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "TRƯỜNG"
    assert rows[2] == ("STT", "Họ và tên")
    assert rows[3] == (1, "Lường Văn Sơn")
    assert sheet.cell(row=3, column=1).font.bold


def test_entries_rendered_by_two_processes_make_the_same_zip_as_one_process():
    contents = [
        CertificateContent(
            parent_body="Phường Tân Phong", issuing_body="Trường Tiểu học Tân Phong",
            serial=f"{index:05d}/2026/CN-THTP", place="Lai Châu", issued_on=dt.date(2026, 11, 23),
            expires_on=None, holder_label="em", holder_name=name, holder_unit="Lớp 2A",
            course_title="Em biết tự bảo vệ", credit_periods=0, signer_title="Hiệu trưởng",
            signer_name="", verification_code=f"CODE-{index}",
            verification_url=f"https://hoc.example.edu.vn/verify/CODE{index}",
            labels=labels_for("vi"),
        )
        for index, name in enumerate(
            ["Lò Thị Đào", "Vũ Văn Ưng", "Giàng Seo Sính", "Đặng Thị Ỹ", "Phùng Văn Dũng"]
        )
    ]
    items = [(f"lop-2a/{index}.pdf", content) for index, content in enumerate(contents)]
    single = b"".join(stream_zip(
        (name, partial(render_certificate, content)) for name, content in items
    ))
    parallel = b"".join(stream_zip(rendered(iter(items), render_certificate, processes=2,
                                            ahead=1)))
    assert parallel == single
    archive = zipfile.ZipFile(io.BytesIO(parallel))
    assert archive.namelist() == [name for name, _ in items]
    for name, content in items:
        assert archive.read(name) == render_certificate(content)
