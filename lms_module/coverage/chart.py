"""The coverage chart: one bar per row against the target line, as SVG and as reportlab."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

#: Colours (WCAG AA against white for the text; bars carry their figure as text too).
BAR, BAR_MET, TARGET_LINE, TEXT, GRID = "#0b5cad", "#1e6b34", "#a4161a", "#1b1b1b", "#c8c8c8"


@dataclass(frozen=True)
class Bar:
    """One bar: a label, the coverage in percent (``None``: no population) and its text."""

    label: str
    percent: float | None
    text: str


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart of coverage with the target as a vertical line."""

    title: str
    bars: Sequence[Bar]
    target_percent: float
    target_text: str


LABEL_WIDTH, BAR_AREA, ROW, TOP, FIGURE_WIDTH = 230, 300, 26, 28, 120
#: Lines a label may take; a name longer than that ends in "…" and is read in full in the
#: table beside the chart (and in the SVG's title and description).
LABEL_LINES = 2
#: Characters of a label line in the SVG (13 px text in LABEL_WIDTH; the browser measures
#: nothing for us, so this errs on the short side).
SVG_LINE_CHARS = 30
SVG_LINE_HEIGHT = 15


def wrap_label(
    label: str, fits: Callable[[str], bool], max_lines: int = LABEL_LINES
) -> list[str]:
    """Break ``label`` into at most ``max_lines`` lines at spaces, each one ``fits``.

    A word wider than a line is broken inside; a name that needs more lines has its last line
    end in "…".
    """
    lines: list[str] = []
    for word in label.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] += f" {word}"
            continue
        while not fits(word) and len(word) > 1:  # wider than a line: break inside the word
            cut = max((n for n in range(1, len(word)) if fits(word[:n])), default=1)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    if len(lines) <= max_lines:
        return lines
    last = " ".join(lines[max_lines - 1:])
    while last and not fits(last + "…"):
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + "…"]


def abbreviated(lines: Sequence[str], label: str) -> bool:
    """Tell whether wrapped ``lines`` leave part of ``label`` out."""
    return " ".join(lines) != " ".join(label.split())


def _svg_fits(text: str) -> bool:
    return len(text) <= SVG_LINE_CHARS


def render_svg(chart: Chart, *, element_id: str = "coverage-chart") -> str:
    """Return an inline ``<svg>`` (presentation attributes only: CSP forbids style="")."""
    width = LABEL_WIDTH + BAR_AREA + FIGURE_WIDTH
    labels = [wrap_label(bar.label, _svg_fits) for bar in chart.bars]
    rows = [ROW + SVG_LINE_HEIGHT * (len(lines) - 1) for lines in labels]
    tops = [TOP + sum(rows[:index]) for index in range(len(rows))]
    height = TOP + (sum(rows) or ROW) + 24
    title_id, desc_id = f"{element_id}-title", f"{element_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{element_id}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-size="13">',
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.target_text)}; '
        + escape("; ".join(f"{bar.label}: {bar.text}" for bar in chart.bars))
        + "</desc>",
    ]
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + BAR_AREA * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{height - 20}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{TOP - 10}" text-anchor="middle" fill="{TEXT}">{tick}%</text>'
        )
    for bar, lines, top, row in zip(chart.bars, labels, tops, rows, strict=True):
        y = top + (row - ROW) / 2  # the bar sits in the middle of its label's lines
        spans = "".join(
            f'<tspan x="{LABEL_WIDTH - 8}" y="{top + 17 + SVG_LINE_HEIGHT * number}">'
            f"{escape(line)}</tspan>"
            for number, line in enumerate(lines)
        )
        full = f"<title>{escape(bar.label)}</title>" if abbreviated(lines, bar.label) else ""
        parts.append(f'<text text-anchor="end" fill="{TEXT}">{full}{spans}</text>')
        if bar.percent is not None:
            colour = BAR_MET if bar.percent >= chart.target_percent else BAR
            length = BAR_AREA * min(bar.percent, 100.0) / 100
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4:.1f}" width="{length:.1f}" '
                f'height="{ROW - 8}" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_AREA + 6}" y="{y + 17:.1f}" fill="{TEXT}">'
            f"{escape(bar.text)}</text>"
        )
    x = LABEL_WIDTH + BAR_AREA * chart.target_percent / 100
    parts.append(
        f'<line x1="{x:.1f}" y1="{TOP - 4}" x2="{x:.1f}" y2="{height - 18}" '
        f'stroke="{TARGET_LINE}" stroke-width="2" stroke-dasharray="5 3"/>'
        f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" fill="{TARGET_LINE}">'
        f"{escape(chart.target_text)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def render_drawing(chart: Chart, width: float, font: str, bold_font: str) -> object:
    """Return the same chart as a reportlab :class:`~reportlab.graphics.shapes.Drawing`."""
    from reportlab.graphics.shapes import Drawing, Line, Rect, String
    from reportlab.lib.colors import HexColor
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from certificates.fonts import nfc

    label_width, figure_width, row, top, size, leading = width * 0.36, 50.0, 16.0, 22.0, 8, 9.0
    area = width - label_width - figure_width

    def fits(text: str) -> bool:
        return bool(stringWidth(nfc(text), font, size) <= label_width - 8)

    labels = [wrap_label(bar.label, fits) for bar in chart.bars]
    rows = [row + leading * (len(lines) - 1) for lines in labels]
    height = top + (sum(rows) or row) + 20
    drawing = Drawing(width, height)

    for tick in (0, 25, 50, 75, 100):
        x = label_width + area * tick / 100
        drawing.add(Line(x, 16, x, height - top + 4, strokeColor=HexColor(GRID), strokeWidth=0.5))
        drawing.add(String(x, height - top + 8, f"{tick}%", fontName=font, fontSize=8,
                           textAnchor="middle"))
    for index, (bar, lines) in enumerate(zip(chart.bars, labels, strict=True)):
        bottom = height - top - sum(rows[: index + 1])  # the row's lower edge
        y = bottom + (rows[index] - row) / 2
        for number, line in enumerate(lines):  # first line at the top of the row
            drawing.add(String(label_width - 4, bottom + 4 + leading * (len(lines) - 1 - number),
                               nfc(line), fontName=font, fontSize=size, textAnchor="end"))
        if bar.percent is not None:
            colour = BAR_MET if bar.percent >= chart.target_percent else BAR
            drawing.add(Rect(label_width, y + 2, area * min(bar.percent, 100.0) / 100, row - 5,
                             fillColor=HexColor(colour), strokeColor=None))
        drawing.add(String(label_width + area + 4, y + 4, nfc(bar.text), fontName=font,
                           fontSize=8))
    x = label_width + area * chart.target_percent / 100
    drawing.add(Line(x, 14, x, height - top + 2, strokeColor=HexColor(TARGET_LINE),
                     strokeWidth=1.5, strokeDashArray=[4, 2]))
    drawing.add(String(x, 3, nfc(chart.target_text), fontName=bold_font, fontSize=8,
                       textAnchor="middle", fillColor=HexColor(TARGET_LINE)))
    return drawing
