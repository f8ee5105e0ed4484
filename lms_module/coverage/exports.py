"""Write a coverage report as .xlsx (a sheet per level), .csv (UTF-8 with BOM) and an
official-format PDF (Decree 30/2020/NĐ-CP layout, reportlab with the embedded font).

Numbers follow the report's language everywhere a person reads them (95,3% and 1.234 in
Vietnamese, 95.3% and 1,234 in English: :mod:`lms_module.i18n`); the .xlsx holds real numbers
and dates with a number format; the .csv follows the one CSV rule
(:data:`lms_module.i18n.CSV_SEPARATORS`): the language's decimal mark, no thousands separator,
";" between fields in Vietnamese and "," in English.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from certificates.inert import inert_row
from certificates.labels import signer_title
from certificates.spreadsheet import inert_cells
from lms_module.certification.services import PLACE_PREFIXES
from lms_module.coverage.chart import Bar, Chart
from lms_module.coverage.report import (
    AUDIENCE_LABELS,
    STATUS_LABELS,
    CoverageReport,
    DrillRow,
    format_date,
    schools_figures,
)
from lms_module.i18n import (
    csv_delimiter,
    csv_number,
    format_number,
    format_percent,
    format_target,
)
from lms_module.orgs.models import OrgKind, OrgUnit

#: The report's formats and the content type each is sent with.
EXPORT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}

def _header_targets() -> list[str]:
    return [_("Đối tượng"), _("Yêu cầu"), _("Chỉ tiêu (%)"), _("Hạn"), _("Cần đào tạo"),
            _("Đã có chứng nhận"), _("Tỉ lệ (%)"), _("Còn thiếu so với chỉ tiêu"),
            _("Trạng thái")]


def _header_units(first: str) -> list[str]:
    return [first, _("Loại"), _("Cần đào tạo"), _("Đã có chứng nhận"), _("Tỉ lệ (%)"),
            _("Còn thiếu so với chỉ tiêu")]


def _ratio(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def target_rows(report: CoverageReport, language: str) -> list[list[object]]:
    """Rows of the targets table (numbers as numbers, the deadline as a date)."""
    return [
        [
            str(AUDIENCE_LABELS[item.target.audience]),
            item.target.requirement.title(language),
            item.target.percent,
            item.target.deadline,
            item.figures.population,
            item.figures.covered,
            _ratio(item.figures.percent),
            item.still_to_train,
            str(STATUS_LABELS[item.status]),
        ]
        for item in report.targets
    ]


def unit_rows(rows: Iterable[DrillRow]) -> list[list[object]]:
    """Rows of a drill-down table."""
    return [
        [row.label, row.kind_label, row.figures.population, row.figures.covered,
         _ratio(row.figures.percent), row.still_to_train]
        for row in rows
    ]


def _level_tables(
    session: Session | None, report: CoverageReport
) -> list[tuple[str, list[str], list[list[object]]]]:
    """The report's drill-down levels: (sheet title, header, rows)."""
    tables: list[tuple[str, list[str], list[list[object]]]] = []
    if report.children:
        tables.append((_("Đơn vị trực thuộc"), _header_units(_("Đơn vị")),
                       unit_rows(report.children)))
    if session is not None and report.selected and report.unit.kind is not OrgKind.SCHOOL:
        target = report.selected.target
        schools = [
            DrillRow(f.unit.name, f.figures, f.figures.still_to_train(target.percent), f.unit,
                     _("Trường"))
            for f in schools_figures(session, report.unit, target, report.today,
                                     report.school_level)
        ]
        if schools:
            tables.append((_("Trường"), _header_units(_("Trường")), unit_rows(schools)))
    if report.grades:
        tables.append((_("Khối lớp"), _header_units(_("Khối")), unit_rows(report.grades)))
    if report.classes:
        tables.append((_("Lớp"), _header_units(_("Lớp")), unit_rows(report.classes)))
    return tables


def _title(report: CoverageReport, language: str) -> str:
    selected = report.selected
    what = ""
    if selected is not None:
        requirement = selected.target.requirement.title(language)
        what = f"{AUDIENCE_LABELS[selected.target.audience]}: {requirement}"
    return str(_("Độ bao phủ đào tạo %(what)s, %(unit)s, năm học %(year)s", what=what,
                 unit=report.unit.name, year=report.school_year))


def report_xlsx(session: Session, report: CoverageReport, language: str) -> bytes:
    """Return the report as an .xlsx workbook: the targets, then one sheet per level."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Chỉ tiêu")
    bold = Font(bold=True)
    sheet.append(inert_cells(sheet, [_title(report, language)], font=bold))
    sheet.append(inert_cells(sheet, [
        _("Số liệu tính đến ngày %(date)s", date=format_date(report.reporting_date))]))
    sheet.append([])
    sheet.append(inert_cells(sheet, _header_targets(), font=bold))
    for row in target_rows(report, language):
        sheet.append(inert_cells(sheet, row))
    for title, header, rows in _level_tables(session, report):
        level = workbook.create_sheet(title[:31])
        level.append(inert_cells(level, header, font=bold))
        for row in rows:
            level.append(inert_cells(level, row))
        level.column_dimensions["A"].width = 40
        level.freeze_panes = "A2"
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 45
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_cell(value: object, language: str) -> object:
    """A CSV field: a number in the language's notation without grouping, a date dd/mm/yyyy."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else value
    if isinstance(value, int):
        return csv_number(value, language)
    if isinstance(value, float):
        return csv_number(value, language, decimals=1)
    if isinstance(value, dt.date):
        return format_date(value)
    return value


def report_csv(report: CoverageReport, language: str) -> bytes:
    """Return the report as CSV in UTF-8 with a BOM (so Excel reads Vietnamese correctly).

    One table: the unit's own figures per target, then the drill-down of the selected target.
    Numbers follow ``language`` ("95,0" in Vietnamese, "95.0" in English) and so does the
    field separator (";" in Vietnamese, where "," is the decimal mark; "," in English).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(language))

    def write(values: list[object]) -> None:
        writer.writerow(inert_row([_csv_cell(value, language) for value in values]))

    write([_("Đơn vị"), _("Cấp"), *_header_targets()])
    for row in target_rows(report, language):
        write([report.unit.name, _("Toàn đơn vị"), *row])
    for title, _header, rows in _level_tables(None, report):
        target = report.selected.target if report.selected else None
        for unit_row in rows:
            label, _kind, population, covered, ratio, to_train = unit_row
            write([
                label, title,
                str(AUDIENCE_LABELS[target.audience]) if target else "",
                target.requirement.title(language) if target else "",
                target.percent if target else "",
                target.deadline if target else "",
                population, covered, ratio, to_train, "",
            ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ------------------------------------------------------------------------------ PDF


#: Kind words that start a commune's name; the place before the date drops them ("Tam Đường").
COMMUNE_PREFIXES = ("Xã ", "Phường ", "Thị trấn ", "Đặc khu ")
#: Bars the PDF chart draws at most (a chart cannot break across pages); the table has all.
PDF_CHART_BARS = 25


@dataclass(frozen=True)
class Issuer:
    """Who issues a unit's report (Decree 30/2020 title block and signature).

    :param governing: the body above the issuer, first line of the title block ("" for none).
    :param issuing: the issuing body, in bold under it.
    :param subject: the issuer as the body text names it.
    :param signer_role: the head of the issuing body, who signs: a role, never a person.
    :param place: the place before the date ("Tam Đường", "Lai Châu").
    :param abbreviation: the issuer's letters in the document number ("BC-VHXH").
    """

    governing: str
    issuing: str
    subject: str
    signer_role: str
    place: str
    abbreviation: str


def _ancestors(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    """``unit`` and the units above it, nearest first."""
    found = [session.get(OrgUnit, unit_id) for unit_id in reversed(unit.ancestor_ids)]
    return [ancestor for ancestor in found if ancestor is not None]


def _without_prefix(name: str, prefixes: Sequence[str]) -> str:
    for prefix in prefixes:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def _in_sentence(name: str) -> str:
    """A commune's name inside a sentence: "xã Tam Đường" (the kind word in lower case)."""
    return name[:1].lower() + name[1:] if name.startswith(COMMUNE_PREFIXES) else name


def _place(session: Session, unit: OrgUnit) -> str:
    """The place before the date: the commune a unit is in ("Tam Đường", its name without the
    kind word), else its province ("Lai Châu"); dots when there is neither (the ministry)."""
    for ancestor in _ancestors(session, unit):
        if ancestor.kind is OrgKind.COMMUNE:
            return _without_prefix(ancestor.name, COMMUNE_PREFIXES)
        if ancestor.kind is OrgKind.PROVINCE:
            return _without_prefix(ancestor.name, PLACE_PREFIXES)
    return "……………"


def _abbreviation(name: str) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words)[:8] or "DV"


def _governing_of(parent: OrgUnit | None) -> str:
    """The body a school answers to: its commune's People's Committee, else its parent (the
    province's Sở for THPT and GDTX schools)."""
    if parent is None:
        return ""
    if parent.kind is OrgKind.COMMUNE:
        return str(_("UBND %(name)s", name=parent.name))
    return parent.name


def report_issuer(session: Session, unit: OrgUnit, language: str) -> Issuer:
    """Return who issues ``unit``'s report, by the unit's kind.

    A province's Sở issues under the province's People's Committee and its director signs; a
    commune's report comes from the commune's Phòng Văn hóa - Xã hội (which manages its
    schools) under the commune's People's Committee, named once; a school issues under its
    commune (or the Sở) and its principal signs; a class reports as its school. Other units
    (the ministry, a legacy district) issue under their parent, signed by the head of the unit.
    """
    if unit.kind is OrgKind.CLASS and unit.parent_id is not None:
        school = session.get(OrgUnit, unit.parent_id)
        if school is not None:
            unit = school
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    place = _place(session, unit)
    if unit.kind is OrgKind.PROVINCE:
        province = _without_prefix(unit.name, PLACE_PREFIXES)
        return Issuer(str(_("UBND tỉnh %(name)s", name=province)), unit.name, unit.name,
                      signer_title(language, "province"), place, _abbreviation(unit.name))
    if unit.kind is OrgKind.COMMUNE:
        office = str(_("Phòng Văn hóa - Xã hội"))
        return Issuer(str(_("UBND %(name)s", name=unit.name)), office,
                      str(_("Phòng Văn hóa - Xã hội %(commune)s",
                            commune=_in_sentence(unit.name))),
                      signer_title(language, "commune"), place, "VHXH")
    if unit.kind is OrgKind.SCHOOL:
        return Issuer(_governing_of(parent), unit.name, unit.name,
                      signer_title(language, "school"), place, _abbreviation(unit.name))
    return Issuer(parent.name if parent is not None else "", unit.name, unit.name,
                  signer_title(language, "other"), place, _abbreviation(unit.name))


def pdf_chart(report: CoverageReport, language: str) -> Chart | None:
    """The chart drawn in the PDF: the unit, then each row of the first drill-down level."""
    if report.selected is None:
        return None
    rows: Sequence[DrillRow] = report.children or report.classes or report.grades
    bars = [Bar(report.unit.name, report.selected.figures.percent,
                format_percent(report.selected.figures.percent, language))]
    bars += [Bar(r.label, r.figures.percent, format_percent(r.figures.percent, language))
             for r in rows[:PDF_CHART_BARS]]
    return Chart(
        title=_title(report, language), bars=bars, target_percent=report.selected.target.percent,
        target_text=_("Chỉ tiêu %(percent)s",
                      percent=format_target(report.selected.target.percent, language)),
    )


def report_pdf(
    session: Session, report: CoverageReport, language: str, *, prepared_by: str | None = None,
    today: dt.date | None = None,
) -> bytes:
    """Return the report as an A4 PDF in the Decree 30/2020 layout, ready to send upward.

    The signature block names the head of the issuing unit as a role (:func:`report_issuer`),
    with room for the signature; the officer who made the file is named only as the one who
    prepared it (``prepared_by``). Section headings stay with what follows them.
    """
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        HRFlowable,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from certificates.fonts import BOLD, ITALIC, REGULAR, nfc, register_fonts
    from lms_module.coverage.chart import render_drawing

    register_fonts()
    day = today or report.today
    issuer = report_issuer(session, report.unit, language)
    width = A4[0] - 30 * mm - 15 * mm

    def style(name: str, font: str = REGULAR, size: float = 13, align: int = TA_JUSTIFY,
              **extra: object) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3,
                              alignment=align, **extra)

    centre = style("centre", align=TA_CENTER, size=12)
    centre_bold = style("centre-bold", BOLD, 12, TA_CENTER)
    motto = style("motto", BOLD, 13, TA_CENTER)
    italic = style("italic", ITALIC, 13, TA_CENTER)
    body = style("body", spaceBefore=3, firstLineIndent=10 * mm)
    title = style("title", BOLD, 14, TA_CENTER, spaceBefore=6)
    cell = style("cell", size=9.5, align=0)
    cell_bold = style("cell-bold", BOLD, 9.5, align=0)

    def p(text: str, st: ParagraphStyle) -> Paragraph:
        escaped = nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped, st)

    def section(text: str, st: ParagraphStyle, data: list[list[Paragraph]],
                columns: Sequence[float]) -> list[object]:
        """A heading and its table; the heading never ends a page: when the heading and the
        table's first rows do not fit, both start on the next page (CondPageBreak measures
        them; the rest of the table may then break as tables do)."""
        paragraph = p(text, st)
        widths = [share * width for share in columns]
        table = _grid(Table(data, colWidths=widths, repeatRows=1), TableStyle, colors)
        first_rows = _grid(Table(data[:3], colWidths=widths), TableStyle, colors)
        needed = (st.spaceBefore + paragraph.wrap(width, A4[1])[1]
                  + first_rows.wrap(width, A4[1])[1] + 2)
        return [CondPageBreak(needed), paragraph, table]

    number = _("Số: %(n)s/BC-%(abbr)s", n="     ", abbr=issuer.abbreviation)
    date_line = _("%(place)s, ngày %(d)02d tháng %(m)02d năm %(y)s",
                  place=issuer.place, d=day.day, m=day.month, y=day.year)

    def ruled(paragraph: Paragraph, rule_width: str, gap: float) -> list[object]:
        return [paragraph, HRFlowable(width=rule_width, thickness=0.6, color=colors.black,
                                      spaceBefore=gap, spaceAfter=0)]

    header = Table(
        [
            [p(issuer.governing.upper(), centre),
             p(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), centre_bold)],
            [ruled(p(issuer.issuing.upper(), centre_bold), "30%", 4),
             ruled(p(_("Độc lập - Tự do - Hạnh phúc"), motto), "62%", 1)],
            [p(number, centre), p(date_line, italic)],
        ],
        colWidths=[width * 0.42, width * 0.58],
    )
    header.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("TOPPADDING", (0, 2), (-1, 2), 8),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    story: list[object] = [header, Spacer(1, 8 * mm)]
    story.append(p(_("BÁO CÁO"), title))
    story.append(p(_("Kết quả đào tạo về trường học an toàn, phòng chống bạo lực học đường "
                     "và xâm hại trẻ em, năm học %(year)s", year=report.school_year),
                   style("subtitle", BOLD, 13, TA_CENTER)))
    story.append(Spacer(1, 5 * mm))
    story.append(p(_("Kính gửi: %(to)s.", to=_recipient(session, report.unit)),
                   style("to", REGULAR, 13, TA_CENTER)))
    story.append(Spacer(1, 3 * mm))
    story.append(p(_(
        "%(unit)s báo cáo độ bao phủ đào tạo so với chỉ tiêu kế hoạch, tính đến ngày %(date)s. "
        "Người được tính là đã đào tạo khi có giấy chứng nhận còn hiệu lực (chưa thu hồi, "
        "chưa hết hạn) của một khóa học đáp ứng yêu cầu.",
        unit=issuer.subject, date=format_date(report.reporting_date)), body))
    head = [_("Đối tượng"), _("Yêu cầu"), _("Chỉ tiêu"), _("Cần đào tạo"), _("Đã đạt"),
            _("Tỉ lệ"), _("Còn thiếu"), _("Trạng thái")]
    rows = [[p(h, cell_bold) for h in head]]
    for item in report.targets:
        rows.append([
            p(str(AUDIENCE_LABELS[item.target.audience]), cell),
            p(item.target.requirement.title(language), cell),
            p(format_target(item.target.percent, language), cell),
            p(format_number(item.figures.population, language), cell),
            p(format_number(item.figures.covered, language), cell),
            p(format_percent(item.figures.percent, language), cell),
            p(format_number(item.still_to_train, language), cell),
            p(str(STATUS_LABELS[item.status]), cell),
        ])
    story += section(_("1. Kết quả so với chỉ tiêu"), style("h", BOLD, 13, spaceBefore=6),
                     rows, (.11, .24, .08, .1, .09, .11, .1, .16))
    chart = pdf_chart(report, language)
    if chart is not None and report.selected is not None:
        selected = report.selected.target
        chart_heading = p(_("2. Độ bao phủ theo đơn vị: %(what)s", what=(
            f"{AUDIENCE_LABELS[selected.audience]}, {selected.requirement.title(language)}")),
            style("h2", BOLD, 13, spaceBefore=8))
        shown = len(chart.bars) - 1
        total = len(report.children or report.classes or report.grades)
        note = [p(_("Biểu đồ có %(shown)s trên %(total)s đơn vị, theo thứ tự của bảng dưới "
                    "đây; bảng có đủ các đơn vị.", shown=shown, total=total),
                  style("note", ITALIC, 10))] if shown < total else []
        story.append(KeepTogether([chart_heading, render_drawing(chart, width, REGULAR, BOLD),
                                   *note]))
    for level_title, level_header, level_rows in _level_tables(session, report)[:1]:
        data = [[p(h, cell_bold) for h in level_header]]
        for row in level_rows:
            data.append([p(_cell_text(v, language), cell) for v in row])
        story += section(level_title, style("h3", BOLD, 12, spaceBefore=6), data,
                         (.34, .2, .12, .12, .1, .12))
    receivers = [p(_("- Như trên;"), style("nrl", REGULAR, 10, 0)),
                 p(_("- Lưu: VT."), style("nrl2", REGULAR, 10, 0))]
    if prepared_by:
        receivers.append(Spacer(1, 4 * mm))
        receivers.append(p(_("Người lập biểu: %(name)s", name=prepared_by),
                           style("prepared", ITALIC, 10, 0)))
    signature = Table(
        [[p(_("Nơi nhận:"), style("nr", BOLD, 11, 0)), p(issuer.signer_role, centre_bold)],
         [receivers, p(_("(Ký, ghi rõ họ tên, đóng dấu)"), style("sg", ITALIC, 11, TA_CENTER))],
         ["", Spacer(1, 24 * mm)]],
        colWidths=[width * 0.45, width * 0.55],
    )
    signature.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(Spacer(1, 6 * mm))
    story.append(KeepTogether(signature))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=30 * mm, rightMargin=15 * mm, topMargin=20 * mm,
        bottomMargin=20 * mm, title=nfc(_title(report, language)), author=nfc(issuer.issuing),
        creator="Truong hoc an toan", invariant=True,
    )
    document.build(story)
    return buffer.getvalue()


def _cell_text(value: object, language: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return format_percent(value, language)
    if isinstance(value, int):
        return format_number(value, language)
    return str(value)


def _grid(table: Any, table_style: type, colors: Any) -> Any:
    table.setStyle(table_style([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]))
    return table


def _recipient(session: Session, unit: OrgUnit) -> str:
    """The level above: the province's Sở for schools and communes, the ministry for a Sở."""
    for unit_id in reversed(unit.ancestor_ids[:-1]):
        ancestor = session.get(OrgUnit, unit_id)
        if ancestor is not None and ancestor.kind in (OrgKind.PROVINCE, OrgKind.MINISTRY):
            return ancestor.name
    return str(_("cấp trên"))
