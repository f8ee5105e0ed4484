"""Measure certificate rendering and a school-size ZIP.

Renders a batch of certificates in interleaved rounds (ours, baseline 1, baseline 2, ours, …)
so that a change in the machine's load touches all three alike, and prints each one's median
PDFs per second, bytes per PDF and embedded font bytes, then the median per-round ratio of ours
to each baseline with its spread (min-max):

* baseline 1, "bare canvas": the same lines of text on a plain reportlab canvas in one font, no
  QR code, no frame, no metadata: the floor of what reportlab costs;
* baseline 2, "same content": the same texts in the same fonts (italics slanted as ours are),
  the same QR code from the same encoder (:func:`certificates.pdf.qr_modules`) as one filled
  path of rectangles (reportlab's path API, as a plain program draws it), the same page
  compression, drawn straight on a canvas: what reportlab costs for this page, so that
  ours ÷ baseline 2 is what our own code adds or saves (ours draws the code as an image mask,
  :func:`certificates.pdf.draw_qr`).

Then the time, size and peak resident memory of a school's ZIP of 1,500 certificates,
streamed, rendered in this process and by render processes as the certificate job does
(:func:`certificates.bulk.rendered`); each ZIP runs in a fresh Python process so that its peak
resident memory (parent and largest render process) is its own.
Prints figures, asserts nothing.

    .venv/bin/python bench/bench_certificates.py [--batch 40] [--rounds 9] [--school 1500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from certificates import bulk
from certificates.bulk import stream_zip
from certificates.codes import format_code, new_code
from certificates.fonts import BOLD, ITALIC, REGULAR, register_fonts
from certificates.labels import labels_for
from certificates.pdf import (
    DEFAULT_LABELS,
    PAGE,
    SLANT_DEGREES,
    CertificateContent,
    qr_modules,
    render_certificate,
)

#: A run of dark modules in a row of :func:`certificates.pdf.qr_modules`.
DARK_RUN = re.compile(b"\x00+")

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


def same_content(content: CertificateContent) -> bytes:
    """The certificate's texts in its three fonts and its QR code, straight on a canvas."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE, pageCompression=1)
    labels = {**DEFAULT_LABELS, **content.labels}
    date = labels["date"].format(place=content.place, day=content.issued_on.day,
                                 month=content.issued_on.month, year=content.issued_on.year)
    lines = [
        (REGULAR, 12, content.parent_body.upper()), (BOLD, 12, content.issuing_body.upper()),
        (BOLD, 12, labels["nation"]), (BOLD, 13, labels["motto"]),
        (REGULAR, 12, f"{labels['number']}: {content.serial}"), (ITALIC, 13, date),
        (BOLD, 30, labels["title"]),
        (REGULAR, 14, f"{labels['certifies']} {content.holder_label}:"),
        (BOLD, 22, content.holder_name), (REGULAR, 14, f"{labels['unit']}: {content.holder_unit}"),
        (REGULAR, 14, f"{labels['completed']}:"), (BOLD, 16, content.course_title),
        (BOLD, 13, content.signer_title.upper()),
        (BOLD, 10, labels["code"].format(code=content.verification_code)),
        (REGULAR, 9, labels["verify"].format(url=content.verification_url)),
    ]
    if content.expires_on is not None:
        lines.append((ITALIC, 13, labels["valid_until"].format(
            date=content.expires_on.strftime("%d/%m/%Y"))))
    y = PAGE[1] - 20 * mm
    for font, size, line in lines:
        canvas.saveState()
        canvas.translate(60 * mm, y)
        if font == ITALIC:  # as the certificate draws italics: the regular font, slanted
            font = REGULAR
            canvas.skew(0, SLANT_DEGREES)
        canvas.setFont(font, size)
        canvas.drawString(0, 0, line)
        canvas.restoreState()
        y -= size * 1.4
    modules, count = qr_modules(content.verification_url)
    box = 30 * mm / (count + 8)
    path = canvas.beginPath()
    for row in range(count):
        for run in DARK_RUN.finditer(modules, row * count, (row + 1) * count):
            path.rect(24 * mm + (run.start() - row * count + 4) * box,
                      56 * mm - (row + 5) * box, (run.end() - run.start()) * box, box)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def font_bytes(pdf: bytes) -> int:
    """Return the bytes of the PDF's embedded font files (as stored, compressed)."""
    total = 0
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    for key in fonts:
        descriptor = fonts[key].get_object().get("/FontDescriptor")
        if descriptor is not None and "/FontFile2" in descriptor.get_object():
            stream = descriptor.get_object()["/FontFile2"].get_object()
            total += len(stream._data)  # the stored (compressed) bytes
    return total


RENDERERS: dict[str, Callable[[CertificateContent], bytes]] = {
    "ours (render_certificate)": render_certificate,
    "baseline 1 (bare canvas)": bare_canvas,
    "baseline 2 (same content)": same_content,
}


def interleaved(contents: list[CertificateContent], rounds: int) -> dict[str, list[float]]:
    """Return each renderer's PDFs per second in each round, the renderers taking turns."""
    rates: dict[str, list[float]] = {name: [] for name in RENDERERS}
    for _ in range(rounds):
        for name, render in RENDERERS.items():
            started = time.perf_counter()
            for content in contents:
                render(content)
            rates[name].append(len(contents) / (time.perf_counter() - started))
    return rates


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


class Discard(io.RawIOBase):
    """Where the ZIP goes: counted and dropped, like a response sent to a client."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data) -> int:  # type: ignore[no-untyped-def,override]
        self.size += len(data)
        return len(data)


def _descendants() -> dict[int, tuple[float, float]]:
    """Return ``{pid: (peak RSS in MB, CPU seconds)}`` of this process's descendants (the fork
    server's render processes are its grandchildren, which ``getrusage`` does not see)."""
    parents: dict[int, int] = {}
    for stat in os.scandir("/proc"):
        if stat.name.isdigit():
            try:
                fields = Path(f"/proc/{stat.name}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(stat.name)] = int(fields[1])
    mine = {os.getpid()}
    for _ in range(3):
        mine |= {pid for pid, parent in parents.items() if parent in mine}
    found = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in mine - {os.getpid()}:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        peak = next((int(line.split()[1]) / 1024 for line in status.splitlines()
                     if line.startswith("VmHWM:")), 0.0)
        found[pid] = (peak, (int(fields[11]) + int(fields[12])) / tick)
    return found


def school_zip(count: int, processes: int) -> None:
    """Stream a ZIP of ``count`` certificates (in a fresh process); print seconds, bytes, the
    peak RSS of this process and of its largest render process, and the CPU seconds of all.

    Only the records are held (as a database cursor would hand them over); PDFs are rendered
    when the ZIP writer reaches them, by this process or by ``processes`` render processes.
    """
    register_fonts()
    records = [(f"lop-2a/{i:05d}.pdf", sample(i)) for i in range(count)]
    sink = Discard()
    seen: dict[int, tuple[float, float]] = {}
    started = time.perf_counter()
    if processes > 1:
        entries = bulk.rendered(records, render_certificate, processes=processes)
    else:
        entries = ((name, lambda record=record: render_certificate(record))
                    for name, record in records)
    for index, chunk in enumerate(stream_zip(entries)):
        sink.write(chunk)
        if (processes > 1 and index % 50 == 0) or index == count - 1:
            seen.update(_descendants())  # before the render processes end
    elapsed = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    largest = max((peak for peak, _ in seen.values()), default=0.0)
    cpu = own.ru_utime + own.ru_stime + sum(seconds for _, seconds in seen.values())
    print(f"{elapsed} {sink.size} {own.ru_maxrss / 1024} {largest} {cpu}")


def run_school_zip(count: int, processes: int) -> list[float]:
    output = subprocess.run(
        [sys.executable, __file__, "--zip-only", str(count), "--processes", str(processes)],
        check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": "."},
    ).stdout.split()
    return [float(value) for value in output]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=40, help="certificates per round")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--school", type=int, default=1500, help="0: no ZIP")
    parser.add_argument("--processes", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--zip-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.zip_only:
        school_zip(args.zip_only, args.processes)
        return
    register_fonts()
    contents = [sample(i) for i in range(args.batch)]
    for render in RENDERERS.values():
        render(contents[0])  # warm up: font parsing
    rates = interleaved(contents, args.rounds)
    print(f"{args.rounds} interleaved rounds of {args.batch} certificates; "
          "median (min-max) over rounds")
    print(f"  {'':<28}{'PDF/s':>22}{'bytes/PDF':>11}{'fonts':>9}")
    for name, render in RENDERERS.items():
        pdfs = [render(content) for content in contents[:10]]
        size = sum(map(len, pdfs)) / len(pdfs)
        fonts = sum(map(font_bytes, pdfs)) / len(pdfs)
        print(f"  {name:<28}{spread(rates[name]):>22}{size:>11,.0f}{fonts:>9,.0f}")
    ours = rates["ours (render_certificate)"]
    for name in list(RENDERERS)[1:]:
        ratios = [a / b for a, b in zip(ours, rates[name], strict=True)]
        print(f"  speed ours / {name}: {spread(ratios)}")
    if not args.school:
        return
    print(f"School ZIP of {args.school} certificates (streamed, stored entries, fresh process)")
    for processes in sorted({1, args.processes}):
        seconds, size, own, largest, cpu = run_school_zip(args.school, processes)
        how = "in process" if processes == 1 else f"{processes} render processes"
        print(f"  {how:<20} time {seconds:5.1f} s ({args.school / seconds:4.0f} PDF/s), "
              f"CPU {cpu:5.1f} s, size {size / 1e6:.1f} MB, peak RSS {own:.0f} MB "
              f"(largest render process {largest:.0f} MB)")


if __name__ == "__main__":
    main()
