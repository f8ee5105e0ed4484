"""Write a coverage report as .xlsx (a sheet per level), .csv (UTF-8 with BOM) and an
official-format PDF (Decree 30/2020/NĐ-CP layout, reportlab with the embedded font)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from certificates.inert import inert_row
from certificates.spreadsheet import inert_cells
from lms_module.coverage.chart import Bar, Chart
from lms_module.coverage.report import (
    AUDIENCE_LABELS,
    STATUS_LABELS,
    CoverageReport,
    DrillRow,
    format_date,
    format_percent,
    schools_figures,
)
from lms_module.orgs.models import OrgKind, OrgUnit


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
    """Rows of the targets table (numbers as numbers)."""
    return [
        [
            str(AUDIENCE_LABELS[item.target.audience]),
            item.target.requirement.title(language),
            item.target.percent,
            format_date(item.target.deadline),
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


def report_csv(report: CoverageReport, language: str) -> bytes:
    """Return the report as CSV in UTF-8 with a BOM (so Excel reads Vietnamese correctly).

    One table: the unit's own figures per target, then the drill-down of the selected target.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(inert_row([_("Đơn vị"), _("Cấp"), *_header_targets()]))
    for row in target_rows(report, language):
        writer.writerow(inert_row([report.unit.name, _("Toàn đơn vị"), *row]))
    for title, _header, rows in _level_tables(None, report):
        target = report.selected.target if report.selected else None
        for unit_row in rows:
            label, _kind, population, covered, ratio, to_train = unit_row
            writer.writerow(inert_row([
                label, title,
                str(AUDIENCE_LABELS[target.audience]) if target else "",
                target.requirement.title(language) if target else "",
                target.percent if target else "",
                format_date(target.deadline) if target else "",
                population, covered, ratio, to_train, "",
            ]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# ------------------------------------------------------------------------------ PDF


def _issuer_names(session: Session, unit: OrgUnit) -> tuple[str, str]:
    """Return (governing body, issuing body) for the title block."""
    parent = session.get(OrgUnit, unit.parent_id) if unit.parent_id else None
    if unit.kind is OrgKind.PROVINCE:
        governing = _("UBND %(name)s", name=unit.name.replace("Sở GD-ĐT ", "tỉnh "))
    elif unit.kind in (OrgKind.COMMUNE, OrgKind.LEGACY_DISTRICT):
        governing = _("UBND %(name)s", name=unit.name)
    else:
        governing = parent.name if parent is not None else ""
    return governing, unit.name


def _abbreviation(unit: OrgUnit) -> str:
    words = [w for w in unit.name.replace("-", " ").split() if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words)[:8] or "DV"


def _place(session: Session, unit: OrgUnit) -> str:
    """The place name in "Lai Châu, ngày ..." (the province's name)."""
    for unit_id in reversed(unit.ancestor_ids):
        ancestor = session.get(OrgUnit, unit_id)
        if ancestor is not None and ancestor.kind is OrgKind.PROVINCE:
            return ancestor.name.replace("Sở GD-ĐT ", "").replace("Sở Giáo dục và Đào tạo ", "")
    return unit.name


def pdf_chart(report: CoverageReport, language: str) -> Chart | None:
    """The chart drawn in the PDF: the unit, then each row of the first drill-down level."""
    if report.selected is None:
        return None
    rows: Sequence[DrillRow] = report.children or report.classes or report.grades
    bars = [Bar(report.unit.name, report.selected.figures.percent,
                format_percent(report.selected.figures.percent))]
    bars += [Bar(r.label, r.figures.percent, format_percent(r.figures.percent)) for r in rows[:25]]
    return Chart(
        title=_title(report, language), bars=bars, target_percent=report.selected.target.percent,
        target_text=_("Chỉ tiêu %(percent)s",
                      percent=format_percent(report.selected.target.percent)),
    )


def report_pdf(
    session: Session, report: CoverageReport, language: str, *, signer: str,
    today: dt.date | None = None,
) -> bytes:
    """Return the report as an A4 PDF in the Decree 30/2020 layout, ready to send upward."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
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
    governing, issuing = _issuer_names(session, report.unit)
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

    number = _("Số: %(n)s/BC-%(abbr)s", n="     ", abbr=_abbreviation(report.unit))
    date_line = _("%(place)s, ngày %(d)02d tháng %(m)02d năm %(y)s",
                  place=_place(session, report.unit), d=day.day, m=day.month, y=day.year)

    def ruled(paragraph: Paragraph, rule_width: str, gap: float) -> list[object]:
        return [paragraph, HRFlowable(width=rule_width, thickness=0.6, color=colors.black,
                                      spaceBefore=gap, spaceAfter=0)]

    header = Table(
        [
            [p(governing.upper(), centre), p(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), centre_bold)],
            [ruled(p(issuing.upper(), centre_bold), "30%", 4),
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
        unit=issuing, date=format_date(report.reporting_date)), body))
    story.append(p(_("1. Kết quả so với chỉ tiêu"), style("h", BOLD, 13, spaceBefore=6)))
    head = [_("Đối tượng"), _("Yêu cầu"), _("Chỉ tiêu"), _("Cần đào tạo"), _("Đã đạt"),
            _("Tỉ lệ"), _("Còn thiếu"), _("Trạng thái")]
    rows = [[p(h, cell_bold) for h in head]]
    for item in report.targets:
        rows.append([
            p(str(AUDIENCE_LABELS[item.target.audience]), cell),
            p(item.target.requirement.title(language), cell),
            p(f"{item.target.percent:g}%".replace(".", ","), cell),
            p(str(item.figures.population), cell),
            p(str(item.figures.covered), cell),
            p(format_percent(item.figures.percent), cell),
            p(str(item.still_to_train), cell),
            p(str(STATUS_LABELS[item.status]), cell),
        ])
    story.append(_grid(Table(rows, colWidths=[w * width for w in
                                               (.11, .24, .08, .1, .09, .11, .1, .16)],
                             repeatRows=1), TableStyle, colors))
    chart = pdf_chart(report, language)
    if chart is not None:
        story.append(p(_("2. Độ bao phủ theo đơn vị: %(what)s", what=(
            f"{AUDIENCE_LABELS[report.selected.target.audience]}, "
            f"{report.selected.target.requirement.title(language)}"
            if report.selected else "")), style("h2", BOLD, 13, spaceBefore=8)))
        story.append(render_drawing(chart, width, REGULAR, BOLD))
    for level_title, level_header, level_rows in _level_tables(session, report)[:1]:
        story.append(p(level_title, style("h3", BOLD, 12, spaceBefore=6)))
        data = [[p(h, cell_bold) for h in level_header]]
        for row in level_rows:
            data.append([p(_cell_text(v), cell) for v in row])
        story.append(_grid(Table(data, colWidths=[w * width for w in (.34, .2, .12, .12, .1, .12)],
                                 repeatRows=1), TableStyle, colors))
    signature = Table(
        [[p(_("Nơi nhận:"), style("nr", BOLD, 11, 0)), p(_("THỦ TRƯỞNG ĐƠN VỊ"), centre_bold)],
         [[p(_("- Như trên;"), style("nrl", REGULAR, 10, 0)),
           p(_("- Lưu: VT."), style("nrl2", REGULAR, 10, 0))],
          p(_("(Ký, ghi rõ họ tên, đóng dấu)"), style("sg", ITALIC, 11, TA_CENTER))],
         ["", Spacer(1, 18 * mm)],
         ["", p(signer, centre_bold)]],
        colWidths=[width * 0.45, width * 0.55],
    )
    story.append(Spacer(1, 6 * mm))
    story.append(KeepTogether(signature))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=30 * mm, rightMargin=15 * mm, topMargin=20 * mm,
        bottomMargin=20 * mm, title=nfc(_title(report, language)), author=nfc(issuing),
        creator="Truong hoc an toan", invariant=True,
    )
    document.build(story)
    return buffer.getvalue()


def _cell_text(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return format_percent(value)
    return str(value)


def _grid(table: object, table_style: type, colors: object) -> object:
    table.setStyle(table_style([  # type: ignore[attr-defined]
        ("GRID", (0, 0), (-1, -1), 0.4, colors.black),  # type: ignore[attr-defined]
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),  # type: ignore[attr-defined]
    ]))
    return table


def _recipient(session: Session, unit: OrgUnit) -> str:
    """The level above: the province's Sở for schools and communes, the ministry for a Sở."""
    for unit_id in reversed(unit.ancestor_ids[:-1]):
        ancestor = session.get(OrgUnit, unit_id)
        if ancestor is not None and ancestor.kind in (OrgKind.PROVINCE, OrgKind.MINISTRY):
            return ancestor.name
    return str(_("cấp trên"))
