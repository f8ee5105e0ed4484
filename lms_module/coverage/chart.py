"""The coverage chart: one bar per row against the target line, as SVG and as reportlab."""

from __future__ import annotations

from collections.abc import Sequence
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


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def render_svg(chart: Chart, *, element_id: str = "coverage-chart") -> str:
    """Return an inline ``<svg>`` (presentation attributes only: CSP forbids style="")."""
    width = LABEL_WIDTH + BAR_AREA + FIGURE_WIDTH
    height = TOP + ROW * max(len(chart.bars), 1) + 24
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
    for index, bar in enumerate(chart.bars):
        y = TOP + index * ROW
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" fill="{TEXT}">'
            f"{escape(_short(bar.label))}</text>"
        )
        if bar.percent is not None:
            colour = BAR_MET if bar.percent >= chart.target_percent else BAR
            length = BAR_AREA * min(bar.percent, 100.0) / 100
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW - 8}" '
                f'fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_AREA + 6}" y="{y + 17}" fill="{TEXT}">'
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

    from certificates.fonts import nfc

    label_width, figure_width, row, top = width * 0.36, 50.0, 16.0, 22.0
    area = width - label_width - figure_width
    height = top + row * max(len(chart.bars), 1) + 20
    drawing = Drawing(width, height)

    def y_of(index: int) -> float:
        return height - top - (index + 1) * row

    for tick in (0, 25, 50, 75, 100):
        x = label_width + area * tick / 100
        drawing.add(Line(x, 16, x, height - top + 4, strokeColor=HexColor(GRID), strokeWidth=0.5))
        drawing.add(String(x, height - top + 8, f"{tick}%", fontName=font, fontSize=8,
                           textAnchor="middle"))
    for index, bar in enumerate(chart.bars):
        y = y_of(index)
        drawing.add(String(label_width - 4, y + 4, nfc(_short(bar.label, 40)), fontName=font,
                           fontSize=8, textAnchor="end"))
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
