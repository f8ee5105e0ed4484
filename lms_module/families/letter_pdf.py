"""Draw the parent letters of a class: A4 portrait, one letter per page, in the school's name.

The header follows Decree 30/2020/NĐ-CP as the certificates and the coverage report do (the
governing body and the school top left, the national title top right, place and date in
italics); then the purpose, a plain-language summary of the privacy notice, the child's name
and class, and the QR code with the short code to type. Call within an app context: the texts
are translated with Flask-Babel. Fonts and the QR drawing are the certificates' own.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from certificates.fonts import BOLD, ITALIC, REGULAR, nfc, register_fonts
from certificates.pdf import draw_qr

#: Decree 30 margins: left 30-35 mm, right 15-20 mm, top and bottom 20-25 mm.
LEFT, RIGHT, TOP, BOTTOM = 30 * mm, 15 * mm, 20 * mm, 20 * mm
QR_SIZE = 38 * mm


@dataclass(frozen=True)
class LetterContent:
    """What one letter prints, already in the reader's language."""

    governing_body: str  # e.g. "UBND xã Tam Đường"
    school_name: str
    place: str  # e.g. "Lai Châu"
    printed_on: dt.date
    child_name: str
    class_name: str
    code: str  # grouped for printing: "KMTR-7XA3"
    link_url: str  # the QR code: the linking page with the code
    typing_url: str  # the linking page without the code, to type it
    expires_on: dt.date
    max_uses: int
    hotline: str


class _QrCode(Flowable):  # type: ignore[misc]
    """A QR code as a flowable (drawn by the certificates' QR helper)."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.data = data
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        draw_qr(self.canv, self.data, 0, 0, self.size)


def _style(name: str, font: str = REGULAR, size: float = 12, align: int = TA_JUSTIFY,
           **extra: object) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3,
                          alignment=align, **extra)


#: Stands for a bold value in a translated sentence until the sentence is escaped.
_BOLD_MARK = "\ue000"


def _escape(text: str) -> str:
    return nfc(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _p(text: str, style: ParagraphStyle, bullet: str | None = None, *,
       bold: str | None = None) -> Paragraph:
    """A paragraph of plain text, escaped; ``bold`` replaces :data:`_BOLD_MARK`, in bold."""
    markup = _escape(text)
    if bold is not None:
        markup = markup.replace(_BOLD_MARK, f"<b>{_escape(bold)}</b>")
    return Paragraph(markup, style, bulletText=bullet)


def render_parent_letters(letters: Sequence[LetterContent], *, title: str) -> bytes:
    """Return the PDF bytes: one page per letter (a page saying so for an empty class)."""
    register_fonts()
    width = A4[0] - LEFT - RIGHT
    story: list[Flowable] = []
    for index, letter in enumerate(letters):
        if index:
            story.append(PageBreak())
        story += _letter(letter, width)
    if not letters:
        story.append(_p(_("Lớp chưa có học sinh."), _style("empty")))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
        bottomMargin=BOTTOM, title=nfc(title), creator="Truong hoc an toan", invariant=True,
    )
    try:
        document.build(story)
    except LayoutError as error:  # a letter must fit its page: a bug, not bad input
        raise RuntimeError("A parent letter does not fit on one A4 page") from error
    return buffer.getvalue()


def title_block(governing_body: str, school_name: str, place: str, day: dt.date,
                width: float) -> Table:
    """Return a school's Decree 30 title block as a table ``width`` wide: the governing body
    and the school top left (the school in bold over a short rule), the national title and
    motto top right, the place and date in italics under them. Used by the parent letters and
    the attendance sheets of sessions held in person (``in_person.sheet_pdf``)."""
    centre = _style("centre", size=11, align=TA_CENTER)
    centre_bold = _style("centre-bold", BOLD, 11, TA_CENTER)
    motto = _style("motto", BOLD, 12, TA_CENTER)
    italic = _style("italic", ITALIC, 12, TA_CENTER)
    date_line = _("%(place)s, ngày %(d)02d tháng %(m)02d năm %(y)s", place=place,
                  d=day.day, m=day.month, y=day.year)
    header = Table(
        [
            [_p(governing_body.upper(), centre),
             _p(_("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), centre_bold)],
            [[_p(school_name.upper(), centre_bold),
              HRFlowable(width="30%", thickness=0.6, color=colors.black, spaceBefore=3)],
             [_p(_("Độc lập - Tự do - Hạnh phúc"), motto),
              HRFlowable(width="62%", thickness=0.6, color=colors.black, spaceBefore=1)]],
            ["", _p(date_line, italic)],
        ],
        colWidths=[width * 0.42, width * 0.58],
    )
    header.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 2), (-1, 2), 6),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]))
    return header


def _letter(letter: LetterContent, width: float) -> list[Flowable]:
    body = _style("body", size=11.5, spaceBefore=2.5)
    bullet = _style("bullet", size=11, leftIndent=5 * mm, bulletIndent=1 * mm, spaceBefore=1)
    heading = _style("heading", BOLD, 12, TA_LEFT, spaceBefore=5)
    small = _style("small", size=10, align=TA_LEFT)
    header = title_block(letter.governing_body, letter.school_name, letter.place,
                         letter.printed_on, width)
    story: list[Flowable] = [header, Spacer(1, 5 * mm)]
    story.append(_p(_("THƯ GỬI CHA MẸ, NGƯỜI CHĂM SÓC HỌC SINH"),
                    _style("title", BOLD, 14, TA_CENTER)))
    story.append(_p(_("Về việc cùng con học an toàn và theo dõi việc học của con"),
                    _style("subtitle", ITALIC, 12, TA_CENTER, spaceAfter=3 * mm)))
    story.append(_p(_("Kính gửi: cha mẹ, người chăm sóc em %(child)s, lớp %(class_name)s.",
                      child=_BOLD_MARK, class_name=letter.class_name), body,
                    bold=letter.child_name))
    story.append(_p(_(
        "Nhà trường dạy các em kỹ năng tự bảo vệ: giữ an toàn cho cơ thể, nói “Không!”, "
        "tránh xa nguy hiểm, kể với người lớn tin cậy và gọi %(hotline)s. Ở nhà, con học tốt "
        "nhất khi cha mẹ nói cùng những lời đó.", hotline=letter.hotline), body))
    story.append(_p(_(
        "Với mã trên thư này, anh chị có một tài khoản miễn phí để: học khóa “Cùng con an toàn” "
        "dành cho cha mẹ (khoảng 35 phút, có tranh và nghe đọc); theo dõi con học đến đâu và "
        "tải giấy chứng nhận của con; xem thẻ “Cùng con trò chuyện” sau mỗi bài con học."), body))
    story.append(_p(_("Dữ liệu cá nhân (tóm tắt thông báo anh chị đọc khi liên kết)"), heading))
    for line in (
        _("Hệ thống lưu về con: họ tên, lớp, trường, bài đã học, kết quả và giấy chứng nhận; "
          "về anh chị: họ tên, quan hệ với con, số điện thoại nếu anh chị ghi. Không cần email."),
        _("Chỉ anh chị (và người chăm sóc khác được liên kết), nhà trường và cơ quan quản lý giáo "
          "dục được xem, theo đúng việc của mình. Anh chị chỉ xem được con mình."),
        _("Anh chị có quyền đồng ý hoặc không, và rút lại đồng ý bất cứ lúc nào trên trang của "
          "con; nhà trường xử lý trong 15 ngày (Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, Nghị "
          "định 356/2025/NĐ-CP)."),
    ):
        story.append(_p(line, bullet, "•"))
    how = [
        _p(_("Cách liên kết"), heading),
        _p(_("1. Quét mã QR bên cạnh bằng camera điện thoại. Hoặc mở trang %(url)s và gõ mã:",
             url=letter.typing_url), small),
        _p(letter.code, _style("code", BOLD, 20, TA_LEFT, spaceBefore=3, spaceAfter=3)),
        _p(_("2. Đọc thông báo về dữ liệu cá nhân, chọn Đồng ý hoặc Không đồng ý."), small),
        _p(_("3. Ghi họ tên, chọn mã PIN 6 số (hoặc mật khẩu). Ghi lại tên đăng nhập hệ thống "
             "cho anh chị."), small),
        _p(_("Mã dùng được cho %(count)s người lớn, đến hết ngày %(date)s. Giữ thư cẩn thận, "
             "không đưa cho người khác.", count=letter.max_uses,
             date=letter.expires_on.strftime("%d/%m/%Y")), _style("note", ITALIC, 10, TA_LEFT,
                                                                  spaceBefore=3)),
    ]
    box = Table([[_QrCode(letter.link_url, QR_SIZE), how]],
                colWidths=[QR_SIZE + 6 * mm, width - QR_SIZE - 6 * mm])
    box.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
    ]))
    story += [Spacer(1, 4 * mm), box, Spacer(1, 4 * mm)]
    story.append(_p(_("Khi lo lắng cho an toàn của con, anh chị gọi Tổng đài quốc gia bảo vệ "
                      "trẻ em %(hotline)s (miễn phí, 24/7) hoặc báo nhà trường.",
                      hotline=letter.hotline), body))
    story.append(_p(_("NHÀ TRƯỜNG"), _style("sign", BOLD, 12, TA_CENTER, spaceBefore=4,
                                            leftIndent=width * 0.45)))
    return story
