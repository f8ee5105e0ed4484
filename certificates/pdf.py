"""Draw a certificate (giấy chứng nhận) as an A4 landscape PDF, byte-identical for one record.

The layout follows the national title block of Decree 30/2020/NĐ-CP (issuing body top left,
"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM / Độc lập - Tự do - Hạnh phúc" top right, number, place and
date in italics, title in bold capitals, signature block). Text is NFC-normalised and drawn with
the embedded Be Vietnam Pro subsets (regular and bold; italics are the regular font slanted);
the QR code is encoded by zxing-cpp and drawn as one path.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from certificates.fonts import BOLD, ITALIC, REGULAR, nfc, register_fonts

PAGE = landscape(A4)
#: Decree 30 margins: left 30-35 mm, right 15-20 mm, top and bottom 20-25 mm.
LEFT, RIGHT, TOP, BOTTOM = 30 * mm, 20 * mm, 20 * mm, 20 * mm
QR_SIZE = 30 * mm
#: Lines of the revocation reason printed on a record copy (a longer reason ends in "…").
REASON_LINES = 2


@dataclass(frozen=True)
class Revocation:
    """Why and when a certificate was revoked, stamped on the record copy a school keeps."""

    revoked_on: dt.date
    reason: str


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on a certificate, already in the reader's language."""

    parent_body: str  # e.g. "SỞ GD-ĐT LAI CHÂU"
    issuing_body: str  # e.g. "TRƯỜNG TIỂU HỌC TÂN PHONG"
    serial: str  # e.g. "00012/2026/CN-THTP"
    place: str  # e.g. "Lai Châu"
    issued_on: dt.date
    expires_on: dt.date | None
    holder_label: str  # "em" for students, "ông/bà" for adults: "Chứng nhận em:"
    holder_name: str
    holder_unit: str  # school, and class for students
    course_title: str
    credit_periods: int  # 0: not shown (students)
    signer_title: str  # e.g. "HIỆU TRƯỞNG"
    signer_name: str
    verification_code: str  # grouped for printing
    verification_url: str
    labels: dict[str, str]  # translated fixed texts, see DEFAULT_LABELS
    #: Set on a revoked certificate: the page is stamped and can never pass for a valid one.
    revocation: Revocation | None = None


DEFAULT_LABELS = {
    "nation": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "motto": "Độc lập - Tự do - Hạnh phúc",
    "number": "Số",
    "date": "{place}, ngày {day:02d} tháng {month:02d} năm {year}",
    "title": "GIẤY CHỨNG NHẬN",
    "certifies": "Chứng nhận",
    "unit": "Đơn vị",
    "completed": "Đã hoàn thành khóa học",
    "credits": "Số tiết bồi dưỡng: {periods} tiết",
    "valid_until": "Có giá trị đến ngày {date}",
    "code": "Mã xác thực: {code}",
    "verify": "Kiểm tra tại: {url}",
    "revoked_stamp": "ĐÃ THU HỒI",
    "revoked_on": "ngày {date}",
    "revoked_notice": (
        "BẢN LƯU HỒ SƠ: giấy chứng nhận này đã bị thu hồi ngày {date} và không còn giá trị. "
        "Lý do: {reason}"
    ),
}


def render_certificate(content: CertificateContent) -> bytes:
    """Return the PDF bytes; the same content always gives the same bytes."""
    register_fonts()
    labels = {**DEFAULT_LABELS, **content.labels}
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=PAGE, invariant=True, pageCompression=1, initialFontName=REGULAR
    )
    canvas.setTitle(nfc(f"{labels['title']} {content.serial}"))
    canvas.setAuthor(nfc(content.issuing_body))
    canvas.setSubject(nfc(content.course_title))
    canvas.setCreator("Truong hoc an toan")
    _draw_frame(canvas)
    _draw_title_block(canvas, content, labels)
    _draw_body(canvas, content, labels)
    _draw_signature(canvas, content, labels)
    _draw_verification(canvas, content, labels)
    if content.revocation is not None:
        _draw_revocation(canvas, content.revocation, labels)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


#: The slant of the italic lines (place and date, validity): the regular font sheared by this
#: angle, the way the italic weight slants, so a certificate embeds two font subsets, not three.
SLANT_DEGREES = 10


def _text(canvas: Canvas, font: str, size: float, x: float, y: float, text: str,
          align: str = "center") -> float:
    """Draw one line and return its width (``ITALIC``: the regular font, slanted)."""
    text = nfc(text)
    slanted = font == ITALIC
    if slanted:
        font = REGULAR
        canvas.saveState()
        canvas.translate(x, y)
        canvas.skew(0, SLANT_DEGREES)
        x = y = 0
    canvas.setFont(font, size)
    if align == "center":
        canvas.drawCentredString(x, y, text)
    elif align == "right":
        canvas.drawRightString(x, y, text)
    else:
        canvas.drawString(x, y, text)
    if slanted:
        canvas.restoreState()
    width: float = canvas.stringWidth(text, font, size)
    return width


def _draw_frame(canvas: Canvas) -> None:
    width, height = PAGE
    canvas.setStrokeColorRGB(0.55, 0.1, 0.1)
    canvas.setLineWidth(2.5)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.8)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    canvas.setStrokeColorRGB(0, 0, 0)


def _draw_title_block(canvas: Canvas, content: CertificateContent, labels: dict[str, str]) -> None:
    width, height = PAGE
    left_centre = LEFT + 55 * mm
    right_centre = width - RIGHT - 75 * mm
    y = height - TOP - 8 * mm
    _text(canvas, REGULAR, 12, left_centre, y, content.parent_body.upper())
    rule = _text(canvas, BOLD, 12, left_centre, y - 6 * mm, content.issuing_body.upper())
    canvas.line(left_centre - rule / 6, y - 8.5 * mm, left_centre + rule / 6, y - 8.5 * mm)
    _text(canvas, BOLD, 12, right_centre, y, labels["nation"])
    motto = _text(canvas, BOLD, 13, right_centre, y - 6 * mm, labels["motto"])
    canvas.line(right_centre - motto / 2, y - 7.5 * mm, right_centre + motto / 2, y - 7.5 * mm)
    _text(canvas, REGULAR, 12, left_centre, y - 15 * mm, f"{labels['number']}: {content.serial}")
    date = labels["date"].format(
        place=content.place,
        day=content.issued_on.day,
        month=content.issued_on.month,
        year=content.issued_on.year,
    )
    _text(canvas, ITALIC, 13, right_centre, y - 15 * mm, date)


def _draw_body(canvas: Canvas, content: CertificateContent, labels: dict[str, str]) -> None:
    width, height = PAGE
    centre = (LEFT + width - RIGHT) / 2
    y = height - TOP - 48 * mm
    canvas.setFillColorRGB(0.55, 0.1, 0.1)
    _text(canvas, BOLD, 30, centre, y, labels["title"])
    canvas.setFillColorRGB(0, 0, 0)
    y -= 16 * mm
    _text(canvas, REGULAR, 14, centre, y, f"{labels['certifies']} {content.holder_label}:")
    y -= 11 * mm
    _text(canvas, BOLD, 22, centre, y, content.holder_name)
    y -= 9 * mm
    _text(canvas, REGULAR, 14, centre, y, f"{labels['unit']}: {content.holder_unit}")
    y -= 10 * mm
    _text(canvas, REGULAR, 14, centre, y, f"{labels['completed']}:")
    y -= 8 * mm
    _text(canvas, BOLD, 16, centre, y, content.course_title)
    if content.credit_periods:
        y -= 8 * mm
        _text(canvas, REGULAR, 14, centre, y,
              labels["credits"].format(periods=content.credit_periods))
    if content.expires_on is not None:
        y -= 8 * mm
        _text(canvas, ITALIC, 13, centre, y,
              labels["valid_until"].format(date=content.expires_on.strftime("%d/%m/%Y")))


def _draw_signature(canvas: Canvas, content: CertificateContent, labels: dict[str, str]) -> None:
    width, _height = PAGE
    centre = width - RIGHT - 60 * mm
    y = BOTTOM + 38 * mm
    _text(canvas, BOLD, 13, centre, y, content.signer_title.upper())
    _text(canvas, BOLD, 13, centre, BOTTOM + 12 * mm, content.signer_name)


def _draw_verification(canvas: Canvas, content: CertificateContent, labels: dict[str, str]) -> None:
    x = LEFT - 6 * mm
    draw_qr(canvas, content.verification_url, x, BOTTOM + 6 * mm, QR_SIZE)
    _text(canvas, BOLD, 10, x + QR_SIZE + 3 * mm, BOTTOM + 22 * mm,
          labels["code"].format(code=content.verification_code), align="left")
    _text(canvas, REGULAR, 9, x + QR_SIZE + 3 * mm, BOTTOM + 16 * mm,
          labels["verify"].format(url=content.verification_url), align="left")


def _draw_revocation(canvas: Canvas, revocation: Revocation, labels: dict[str, str]) -> None:
    """Stamp "ĐÃ THU HỒI" and its date across the page, and the reason along the top edge."""
    width, height = PAGE
    date = revocation.revoked_on.strftime("%d/%m/%Y")
    canvas.saveState()
    canvas.setFillColorRGB(0.8, 0, 0)
    canvas.setStrokeColorRGB(0.8, 0, 0)
    canvas.setFillAlpha(0.75)
    canvas.setStrokeAlpha(0.75)
    canvas.translate(width / 2, height / 2 - 5 * mm)
    canvas.rotate(18)
    stamp = nfc(labels["revoked_stamp"])
    stamp_width = canvas.stringWidth(stamp, BOLD, 64)
    canvas.setLineWidth(4)
    canvas.rect(-stamp_width / 2 - 8 * mm, -17 * mm, stamp_width + 16 * mm, 45 * mm)
    _text(canvas, BOLD, 64, 0, 8 * mm, stamp)
    _text(canvas, BOLD, 22, 0, -9 * mm, labels["revoked_on"].format(date=date))
    canvas.restoreState()
    notice = nfc(labels["revoked_notice"].format(date=date, reason=" ".join(
        revocation.reason.split()
    )))
    size = 8.5
    lines = simpleSplit(notice, BOLD, size, width - 40 * mm)
    if len(lines) > REASON_LINES:
        last = lines[REASON_LINES - 1]
        while last and canvas.stringWidth(f"{last} …", BOLD, size) > width - 40 * mm:
            last = last[:-1]
        lines = [*lines[: REASON_LINES - 1], f"{last.rstrip()} …"]
    canvas.saveState()
    canvas.setFillColorRGB(0.8, 0, 0)
    for index, line in enumerate(lines):
        _text(canvas, BOLD, size, width / 2, height - 19 * mm - index * 3.6 * mm, line)
    canvas.restoreState()


def qr_modules(data: str) -> tuple[bytes, int]:
    """Return the QR code of ``data`` (error correction level M) without its quiet zone, as one
    byte per module row by row (0 for a dark module) and the number of modules a side.

    zxing-cpp encodes it (a C++ library: the mask pattern is chosen by the standard's penalty
    rules, as reportlab's pure-Python encoder did, in a fraction of a millisecond instead of
    two thirds of the page's render time).
    """
    code = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    image = code.to_image(scale=1, add_quiet_zones=False)
    # The image has the buffer protocol; zxing-cpp's stub does not declare it.
    return bytes(memoryview(image)), int(image.shape[1])  # type: ignore[arg-type]


#: Light modules around the code (the quiet zone the standard asks for).
QR_BORDER = 4


def draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw ``data`` as a QR code in a ``size`` square (quiet zone included) at ``x, y``.

    The modules are one image mask of one bit per module, scaled to the square: the current
    fill colour (black) where a module is dark, nothing where it is light. Viewers and printers
    scale a mask without smoothing (``/Interpolate`` is off), so the edges stay sharp, and the
    page holds ~150 bytes for the code instead of a rectangle per run of dark modules (whose
    drawing was a sixth of a certificate's render time).
    """
    modules, count = qr_modules(data)
    # One bit per module, rows padded to whole bytes: 0 (dark) paints, as a mask's bits do.
    bits = Image.frombytes("L", (count, count), modules).convert("1", dither=Image.Dither.NONE)
    box = size / (count + 2 * QR_BORDER)
    side = count * box
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.transform(side, 0, 0, side, x + QR_BORDER * box, y + QR_BORDER * box)
    canvas.addLiteral(  # an inline image (PDF 32000-1, 8.9.7), its bits in hexadecimal
        f"BI /W {count} /H {count} /IM true /BPC 1 /F /AHx ID\n{bits.tobytes().hex()}>\nEI"
    )
    canvas.restoreState()
