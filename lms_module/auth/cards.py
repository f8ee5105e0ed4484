"""Printable QR login cards for students who cannot manage a password (A4, 2 x 5 cards).

Call within an app context: the fixed texts are translated with Flask-Babel. Every line of a
card is fitted inside the card's cut lines (smaller type, then wrapped, then shortened with
"…"), so cutting the sheet never cuts a word.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from certificates.fonts import BOLD, REGULAR, nfc, register_fonts
from certificates.pdf import draw_qr

COLUMNS, ROWS = 2, 5
MARGIN = 10 * mm
QR_SIZE = 38 * mm
#: Space kept clear inside the cut lines, so a slightly crooked cut leaves every letter whole.
INSET = 4 * mm
ELLIPSIS = "…"


@dataclass(frozen=True)
class LoginCard:
    """What one card shows: the child's name (the short one the card page greets, and the
    full one for the teacher handing cards out), the number in the class list, class and
    school, and the sign-in link."""

    full_name: str
    class_name: str
    school_name: str
    login_url: str
    short_name: str = ""
    number: int | None = None


def classmate_names(full_names: Sequence[str]) -> list[str]:
    """Return, for each child of a class list, the short name that tells them apart.

    The given name alone when no classmate shares it ("Ưng"); otherwise with the initials of
    the names before it, the nearest first, until it is unique ("An (V.)", "An (N. V.)");
    when even those are the same, with the child's number in the list ("An (số 3)"). Never the
    full name: the card page greeting a child with it is public.
    """
    words = [nfc(name).split() for name in full_names]
    given = [parts[-1].casefold() if parts else "" for parts in words]
    names = []
    for index, parts in enumerate(words):
        own = parts[-1] if parts else ""
        namesakes = [
            other for i, other in enumerate(words) if i != index and given[i] == given[index]
        ]
        if not namesakes:
            names.append(own)
            continue
        for count in range(1, len(parts)):
            initials = _initials(parts, count)
            if all(_initials(other, count) != initials for other in namesakes):
                names.append(f"{own} ({' '.join(f'{letter}.' for letter in initials)})")
                break
        else:
            names.append(_("%(name)s (số %(number)s)", name=own, number=index + 1))
    return names


def _initials(parts: Sequence[str], count: int) -> tuple[str, ...]:
    """Initials of the ``count`` names before the given name, in the order they are written."""
    before = list(parts[:-1])[-count:] if count else []
    return tuple(word[:1].upper() for word in before)


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
    draw_qr(canvas, card.login_url, x + 4 * mm, y + (height - QR_SIZE) / 2, QR_SIZE)
    text_x = x + QR_SIZE + 8 * mm
    text_width = x + width - INSET - text_x
    class_line = _("Lớp %(name)s", name=card.class_name)
    if card.number is not None:
        class_line = _("%(class_line)s · số %(number)s", class_line=class_line, number=card.number)
    # (text, font, size, smallest size, most lines), from the top down; then from the bottom up.
    top = [
        (card.short_name or card.full_name, BOLD, 14, 10, 1),
        (card.full_name, REGULAR, 10, 8, 2),
        (class_line, REGULAR, 10, 8, 1),
        (card.school_name, REGULAR, 9, 7, 2),
    ]
    bottom = [
        (_("Quét mã để vào học."), REGULAR, 8, 7, 2),
        (_("Giữ thẻ cẩn thận, không cho người khác."), REGULAR, 8, 7, 2),
        (_("Cần giúp đỡ? Gọi 111 (miễn phí)"), REGULAR, 8, 7, 2),
    ]
    canvas.setFillGray(0)
    line_top = y + height - INSET
    for text, font, size, smallest, most in top:
        fitted_size, lines = fit_text(nfc(text), font, size, smallest, text_width, most)
        for line in lines:
            line_top -= fitted_size * 1.2
            canvas.setFont(font, fitted_size)
            canvas.drawString(text_x, line_top + fitted_size * 0.25, line)
    line_bottom = y + INSET
    for text, font, size, smallest, most in reversed(bottom):
        fitted_size, lines = fit_text(nfc(text), font, size, smallest, text_width, most)
        for line in reversed(lines):
            canvas.setFont(font, fitted_size)
            canvas.drawString(text_x, line_bottom + fitted_size * 0.25, line)
            line_bottom += fitted_size * 1.2


def fit_text(
    text: str, font: str, size: float, smallest: float, width: float, most_lines: int
) -> tuple[float, list[str]]:
    """Return a type size and the lines that put ``text`` within ``width`` points.

    One line at ``size`` if it fits; else the largest size down to ``smallest`` at which it
    fits on one line; else wrapped at ``smallest`` into at most ``most_lines`` lines, the last
    one shortened with "…" (a word longer than a line is cut too).
    """
    candidate = size
    while candidate >= smallest:
        if stringWidth(text, font, candidate) <= width:
            return candidate, [text]
        candidate -= 0.5
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if stringWidth(joined, font, smallest) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        line = word
    lines.append(line)
    if len(lines) > most_lines:
        lines = [*lines[: most_lines - 1], " ".join(lines[most_lines - 1 :])]
    return smallest, [_shorten(line, font, smallest, width) for line in lines]


def _shorten(line: str, font: str, size: float, width: float) -> str:
    """Return ``line``, or as much of it as fits with "…" at its end."""
    if stringWidth(line, font, size) <= width:
        return line
    while line and stringWidth(line + ELLIPSIS, font, size) > width:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS
