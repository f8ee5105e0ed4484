"""The attendance sheet of a session held in person, to print and sign: A4 portrait in the
school's name.

The school's Decree 30 title block is the parent letters' (:func:`title_block`), the issuer
(governing body, place, the head who signs) the coverage report's (:func:`report_issuer`), the
fonts the certificates' own. Then the title, what the session stands for, its day, place,
facilitator and periods, and a table of the roster (STT, họ và tên, chức vụ/vai trò, chữ ký):
blank before the session (everyone who may attend, :func:`blank_sheet`), or the attendees
after it (:func:`session_sheet`). Texts are NFC (reportlab places combining marks badly).
Call within an app context: the labels are translated with Flask-Babel.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from certificates.fonts import BOLD, ITALIC, REGULAR, nfc, register_fonts
from lms_module.coverage.exports import report_issuer
from lms_module.families.letter_pdf import BOTTOM, LEFT, RIGHT, TOP, title_block
from lms_module.in_person.credit import session_periods
from lms_module.in_person.models import InPersonSession
from lms_module.in_person.services import attendees_of, school_adults, session_school
from lms_module.learning.models import AUDIENCE_ROLES, Audience, Course
from lms_module.orgs.models import OrgUnit
from lms_module.people.labels import ROLE_LABELS

#: What stands for a detail not known yet on a sheet printed before the session.
DOTS = "………………………………"
#: The height of a roster row: room for a signature.
ROW_HEIGHT = 9 * mm


@dataclass(frozen=True)
class SheetLine:
    """One person on the sheet."""

    name: str
    role: str


@dataclass(frozen=True)
class SheetFrame:
    """The school's part of a sheet: its title block and who signs for it."""

    governing_body: str
    school_name: str
    place: str  # the place before the date ("Nậm Hàng")
    printed_on: dt.date  # the date line: the session's day, or the printing day before it
    signer_role: str  # "HIỆU TRƯỞNG"


@dataclass(frozen=True)
class SheetContent:
    """What an attendance sheet prints, already in the reader's language."""

    frame: SheetFrame
    course_title: str
    audience: str  # "Giáo viên"
    held_on: dt.date | None
    venue: str
    facilitator: str
    credit_periods: int | None  # ``None``: not a staff training (parents earn no periods)
    lines: Sequence[SheetLine]
    #: Whether the lines are who attended (after the session) or who may (before it).
    attended: bool


def _style(name: str, font: str = REGULAR, size: float = 12, align: int = TA_LEFT,
           **extra: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3,
                          alignment=align, **extra)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    escaped = nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(escaped, style)


def render_attendance_sheet(content: SheetContent) -> bytes:
    """Return the sheet as PDF bytes (the roster table continues on the next pages, its
    header repeated)."""
    register_fonts()
    width = A4[0] - LEFT - RIGHT
    body = _style("body", size=12, spaceBefore=2)
    cell = _style("cell", size=11)
    cell_bold = _style("cell-bold", BOLD, 11, TA_CENTER)
    centre_bold = _style("centre-bold", BOLD, 12, TA_CENTER)
    frame = content.frame
    story: list[object] = [
        title_block(frame.governing_body, frame.school_name, frame.place, frame.printed_on,
                    width),
        Spacer(1, 6 * mm),
        _p(_("DANH SÁCH KÝ TÊN THAM DỰ"), _style("title", BOLD, 14, TA_CENTER)),
        _p(content.course_title, _style("subtitle", BOLD, 12.5, TA_CENTER, spaceAfter=4 * mm)),
    ]
    day = content.held_on.strftime("%d/%m/%Y") if content.held_on else DOTS
    details = [
        _("Đối tượng: %(audience)s", audience=content.audience),
        _("Ngày: %(day)s", day=day),
        _("Địa điểm: %(place)s", place=content.venue or DOTS),
        _("Người hướng dẫn: %(name)s", name=content.facilitator or DOTS),
    ]
    if content.credit_periods is not None:
        details.append(_("Số tiết bồi dưỡng: %(periods)s tiết", periods=content.credit_periods))
    story += [_p(line, body) for line in details]
    story.append(Spacer(1, 4 * mm))
    rows: list[list[object]] = [[
        _p(_("STT"), cell_bold), _p(_("Họ và tên"), cell_bold),
        _p(_("Chức vụ/vai trò"), cell_bold), _p(_("Chữ ký"), cell_bold),
    ]]
    for index, line in enumerate(content.lines, start=1):
        rows.append([_p(str(index), _style(f"n{index}", size=11, align=TA_CENTER)),
                     _p(line.name, cell), _p(line.role, cell), ""])
    if not content.lines:
        rows.append(["", _p(_("Chưa có ai trong danh sách."), cell), "", ""])
    table = Table(rows, colWidths=[width * 0.08, width * 0.38, width * 0.22, width * 0.32],
                  rowHeights=[None] + [ROW_HEIGHT] * (len(rows) - 1), repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
    ]))
    story.append(table)
    story.append(Spacer(1, 3 * mm))
    total = (_("Tổng số người có mặt: %(count)s.", count=len(content.lines)) if content.attended
             else _("Tổng số trong danh sách: %(count)s. Số người có mặt: ……", count=len(
                 content.lines)))
    story.append(_p(total, _style("total", ITALIC, 11.5)))
    signature = Table(
        [[_p(_("NGƯỜI HƯỚNG DẪN"), centre_bold), _p(frame.signer_role, centre_bold)],
         [_p(_("(Ký, ghi rõ họ tên)"), _style("s1", ITALIC, 11, TA_CENTER)),
          _p(_("(Ký, ghi rõ họ tên, đóng dấu)"), _style("s2", ITALIC, 11, TA_CENTER))],
         ["", Spacer(1, 22 * mm)]],
        colWidths=[width * 0.45, width * 0.55],
    )
    signature.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 6 * mm), KeepTogether(signature)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
        bottomMargin=BOTTOM, title=nfc(_("Danh sách ký tên: %(course)s",
                                         course=content.course_title)),
        author=nfc(frame.school_name), creator="Truong hoc an toan", invariant=True,
    )
    document.build(story)
    return buffer.getvalue()


def school_frame(session: Session, unit: OrgUnit, language: str, day: dt.date) -> SheetFrame:
    """Return the title block and signer of the school of ``unit`` (a school or a class),
    dated ``day`` (the session's day when known: the sheet records that day)."""
    school = session_school(session, unit)
    issuer = report_issuer(session, school, language)
    return SheetFrame(issuer.governing, school.name, issuer.place, day, issuer.signer_role)


def _audience_label(audience: Audience) -> str:
    return str(ROLE_LABELS[AUDIENCE_ROLES[audience]])


def blank_sheet(
    session: Session,
    *,
    school: OrgUnit,
    course: Course,
    school_year: str,
    today: dt.date,
    language: str,
    held_on: dt.date | None = None,
    venue: str = "",
    facilitator: str = "",
    credit_periods: int | None = None,
) -> SheetContent:
    """Return the sheet to sign at a staff training not recorded yet: everyone of the
    course's audience at ``school`` this year (:func:`school_adults`), by name."""
    role = AUDIENCE_ROLES[course.audience]
    label = str(ROLE_LABELS[role])
    lines = [SheetLine(adult.full_name, label)
             for adult in school_adults(session, school, role, school_year)]
    return SheetContent(
        frame=school_frame(session, school, language, held_on or today),
        course_title=course.title(language), audience=_audience_label(course.audience),
        held_on=held_on, venue=venue, facilitator=facilitator,
        credit_periods=course.credit_periods if credit_periods is None else credit_periods,
        lines=lines, attended=False,
    )


def session_sheet(
    session: Session, record: InPersonSession, *, language: str
) -> SheetContent:
    """Return the sheet of a recorded session: who attended, by name (a parent with the
    children they came for)."""
    unit = session.get_one(OrgUnit, record.org_unit_id)
    course = session.get_one(Course, record.course_id)
    lines = []
    for attendee in attendees_of(session, record):
        if record.audience is Audience.PARENT:
            names = ", ".join(child.full_name for child in attendee.children)
            role = (_("Cha mẹ, người chăm sóc em %(names)s", names=names) if names
                    else str(ROLE_LABELS[AUDIENCE_ROLES[Audience.PARENT]]))
        else:
            role = str(ROLE_LABELS[AUDIENCE_ROLES[record.audience]])
        lines.append(SheetLine(attendee.user.full_name, role))
    staff = record.audience is not Audience.PARENT
    return SheetContent(
        frame=school_frame(session, unit, language, record.held_on),
        course_title=course.title(language), audience=_audience_label(record.audience),
        held_on=record.held_on, venue=record.place, facilitator=record.facilitator,
        credit_periods=session_periods(record, course) if staff else None,
        lines=lines, attended=True,
    )
