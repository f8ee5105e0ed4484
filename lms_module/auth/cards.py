"""Printable QR login cards for students who cannot manage a password (A4, 2 x 5 cards).

Call within an app context: the fixed texts are translated with Flask-Babel.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from certificates.fonts import BOLD, REGULAR, nfc, register_fonts

COLUMNS, ROWS = 2, 5
MARGIN = 10 * mm
QR_SIZE = 38 * mm


@dataclass(frozen=True)
class LoginCard:
    """What one card shows: the child's name, class and school, and the sign-in link."""

    full_name: str
    class_name: str
    school_name: str
    login_url: str


def render_login_cards(cards: Sequence[LoginCard], *, title: str) -> bytes:
    """Draw the cards on A4 pages, with cut lines, and return the PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, initialFontName=REGULAR)
    canvas.setTitle(nfc(title))
    page_width, page_height = A4
    card_width = (page_width - 2 * MARGIN) / COLUMNS
    card_height = (page_height - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for index, card in enumerate(cards):
        if index and index % per_page == 0:
            canvas.showPage()
        slot = index % per_page
        x = MARGIN + (slot % COLUMNS) * card_width
        y = page_height - MARGIN - (slot // COLUMNS + 1) * card_height
        _draw_card(canvas, card, x, y, card_width, card_height)
    if not cards:
        canvas.setFont(REGULAR, 12)
        canvas.drawString(MARGIN, page_height - 2 * MARGIN, nfc(_("Lớp chưa có học sinh.")))
    canvas.save()
    return buffer.getvalue()


def _draw_card(
    canvas: Canvas,
    card: LoginCard,
    x: float,
    y: float,
    width: float,
    height: float,
) -> None:
    canvas.setDash(3, 3)
    canvas.setStrokeGray(0.6)
    canvas.rect(x, y, width, height)
    canvas.setDash()
    widget = QrCodeWidget(card.login_url, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x + 4 * mm, y + (height - QR_SIZE) / 2)
    text_x = x + QR_SIZE + 8 * mm
    canvas.setFillGray(0)
    canvas.setFont(BOLD, 12)
    canvas.drawString(text_x, y + height - 14 * mm, nfc(card.full_name))
    canvas.setFont(REGULAR, 10)
    canvas.drawString(text_x, y + height - 20 * mm, nfc(_("Lớp %(name)s", name=card.class_name)))
    canvas.drawString(text_x, y + height - 25 * mm, nfc(card.school_name)[:40])
    canvas.setFont(REGULAR, 8)
    canvas.drawString(text_x, y + 10 * mm, nfc(_("Quét mã để vào học.")))
    canvas.drawString(text_x, y + 6 * mm, nfc(_("Giữ thẻ cẩn thận, không cho người khác.")))
    canvas.drawString(text_x, y + 2.5 * mm, nfc(_("Cần giúp đỡ? Gọi 111 (miễn phí)")))
