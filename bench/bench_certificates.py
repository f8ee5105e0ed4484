"""Measure certificate rendering and a school-size ZIP.

Prints PDFs per second and bytes per PDF for a batch of certificates, beside a baseline of the
same text drawn on a bare reportlab canvas in the same run (same embedded font, no frame, no QR
code, no fixed metadata) and their ratio; then the time and peak Python memory (tracemalloc) of
streaming a school's ZIP of 1,500 certificates. Prints figures, asserts nothing.

    .venv/bin/python bench/bench_certificates.py [--batch 300] [--school 1500]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import time
import tracemalloc

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from certificates.bulk import Entry, stream_zip
from certificates.codes import format_code, new_code
from certificates.fonts import REGULAR, register_fonts
from certificates.labels import labels_for
from certificates.pdf import PAGE, CertificateContent, render_certificate

FAMILY = ["Nguyễn", "Trần", "Lò", "Giàng", "Đặng", "Vàng", "Phùng", "Quàng"]
MIDDLE = ["Thị", "Văn", "Seo", "Ngọc", "Ưng"]
GIVEN = ["Hoa", "Ỹ", "Dũng", "Phương", "Sính", "Đức", "Ưng", "Thơ"]


def sample(index: int) -> CertificateContent:
    """A varied certificate (names cycle through the lists)."""
    code = new_code()
    name = f"{FAMILY[index % 8]} {MIDDLE[index % 5]} {GIVEN[(index // 8) % 8]}"
    return CertificateContent(
        parent_body="Phường Tân Phong",
        issuing_body="Trường Tiểu học Tân Phong",
        serial=f"{index + 1:05d}/2026/CN-DEMO-TH-TP",
        place="Lai Châu",
        issued_on=dt.date(2026, 11, 24),
        expires_on=dt.date(2027, 11, 24),
        holder_label="em",
        holder_name=name,
        holder_unit="Lớp 2A, Trường Tiểu học Tân Phong",
        course_title="Em biết tự bảo vệ (lớp 1-2)",
        credit_periods=0,
        signer_title="HIỆU TRƯỞNG",
        signer_name="",
        verification_code=format_code(code),
        verification_url=f"https://hoc.example.edu.vn/verify/{code}",
        labels=labels_for("vi"),
    )


def bare_canvas(content: CertificateContent) -> bytes:
    """The same lines of text on a plain canvas: the floor of what reportlab costs."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE)
    labels = content.labels
    lines = [
        content.parent_body, content.issuing_body, labels["nation"], labels["motto"],
        f"{labels['number']}: {content.serial}", content.place, labels["title"],
        content.holder_label, content.holder_name, content.holder_unit, labels["completed"],
        content.course_title, content.signer_title, content.verification_code,
        content.verification_url,
    ]
    canvas.setFont(REGULAR, 13)
    y = PAGE[1] - 30 * mm
    for line in lines:
        canvas.drawString(30 * mm, y, line)
        y -= 9 * mm
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def rate(render, contents: list[CertificateContent]) -> tuple[float, float]:
    """Return (documents per second, mean bytes per document)."""
    started = time.perf_counter()
    sizes = [len(render(content)) for content in contents]
    elapsed = time.perf_counter() - started
    return len(contents) / elapsed, sum(sizes) / len(sizes)


class Discard(io.RawIOBase):
    """Where the ZIP goes: counted and dropped, like a response sent to a client."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data) -> int:  # type: ignore[no-untyped-def,override]
        self.size += len(data)
        return len(data)


def school_zip(count: int, *, trace: bool) -> tuple[float, int, int]:
    """Stream a ZIP of ``count`` certificates; return (seconds, bytes, peak traced bytes)."""
    entries: list[Entry] = []
    # Only the records are held (as a database cursor would hand them over); PDFs are rendered
    # one at a time when the ZIP writer reaches them.
    records = [dataclasses.replace(sample(i)) for i in range(count)]
    entries = [
        (f"lop-2a/{i:05d}.pdf", lambda record=record: render_certificate(record))
        for i, record in enumerate(records)
    ]
    sink = Discard()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    for chunk in stream_zip(entries):
        sink.write(chunk)
    elapsed = time.perf_counter() - started
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, sink.size, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--school", type=int, default=1500)
    args = parser.parse_args()
    register_fonts()
    contents = [sample(i) for i in range(args.batch)]
    render_certificate(contents[0])  # warm up: font parsing
    bare_canvas(contents[0])
    ours_rate, ours_size = rate(render_certificate, contents)
    base_rate, base_size = rate(bare_canvas, contents)
    print(f"Batch of {args.batch} certificates")
    print(f"  {'':<28}{'PDF/s':>10}{'bytes/PDF':>12}")
    print(f"  {'certificate (render_certificate)':<28}{ours_rate:>10.1f}{ours_size:>12,.0f}")
    print(f"  {'baseline (bare canvas)':<28}{base_rate:>10.1f}{base_size:>12,.0f}")
    print(f"  ratio certificate/baseline: speed {ours_rate / base_rate:.2f}x, "
          f"size {ours_size / base_size:.2f}x")
    seconds, size, _ = school_zip(args.school, trace=False)
    _, _, peak = school_zip(args.school, trace=True)
    print(f"School ZIP of {args.school} certificates (streamed, stored entries)")
    print(f"  time {seconds:.1f} s ({args.school / seconds:.0f} PDF/s), size {size / 1e6:.1f} MB, "
          f"peak Python memory {peak / 1e6:.1f} MB (tracemalloc, second run)")


if __name__ == "__main__":
    main()
