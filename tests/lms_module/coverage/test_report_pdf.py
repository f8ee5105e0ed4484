"""The coverage report PDF read back with pypdf: headings never end a page, a commune's title
block and place are its own, the signature block names a role (the officer only as the one who
prepared the file), and chart labels are whole or abbreviated beside the full name."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from coverage_support import SmallTree, export_report
from pypdf import PdfReader

from lms_module.orgs.models import OrgKind
from lms_module.orgs.services import create_unit

#: A commune name that fits on two lines of a chart label, and one too long for two.
LONG = "Phường Trung tâm Hành chính Thành phố Lai Châu"
TOO_LONG = ("Xã Vùng cao Biên giới Đặc biệt Khó khăn Thuộc Chương trình Mục tiêu Quốc gia "
            "Giai đoạn Hai Nghìn Hai Mươi Sáu Đến Hai Nghìn Ba Mươi")


@dataclass
class Positioned:
    page: int
    text: str
    x: float
    y: float


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _positioned(data: bytes) -> list[Positioned]:
    """Every piece of text of every page with where it starts on the page."""
    found: list[Positioned] = []

    for number, page in enumerate(PdfReader(io.BytesIO(data)).pages):

        def visit(text: str, cm: list[float], tm: list[float], *_: object,
                  number: int = number) -> None:
            if text.strip():
                found.append(Positioned(number, text.strip(),
                                        tm[4] * cm[0] + tm[5] * cm[2] + cm[4],
                                        tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

        page.extract_text(visitor_text=visit)
    return found


def _report(client, unit_id: int) -> bytes:
    response = export_report(client, unit_id, "pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    return response.data


def _add_communes(db, small: SmallTree, names: list[str]) -> None:
    for name in names:
        commune = create_unit(db, kind=OrgKind.COMMUNE, code=f"ST-C-{len(small.units)}",
                              name=name, parent=small.units["province"])
        small.units[commune.code] = commune
    db.flush()


def test_no_section_heading_ends_a_page_whatever_the_length(db, small, login):
    client = login(small.users["reviewer"])
    requirement = small.student_requirement.title_vi
    headings = ("1. Kết quả so với chỉ tiêu",
                f"2. Độ bao phủ theo đơn vị: Học sinh, {requirement}", "Đơn vị trực thuộc")
    longest = 0
    for size in range(0, 48, 3):  # each step moves every heading down the page
        _add_communes(db, small, [f"Xã Thử Nghiệm Số {size + n:02d}" for n in range(3)])
        pages = _pages(_report(client, small.units["province"].id))
        longest = max(longest, len(pages))
        for number, text in enumerate(pages[:-1], start=1):
            end = _flat(text)
            stranded = [h for h in headings if end.endswith(h)]
            assert stranded == [], f"{size + 3} communes: page {number} ends with {stranded}"
        for heading in headings:
            assert heading in _flat(" ".join(pages))
    assert longest >= 3  # the reports were long enough to break pages


def test_a_communes_title_block_names_the_commune_once_and_dates_from_its_place(
    db, small, login
):
    data = _report(login(small.users["ward_reviewer"]), small.units["ward"].id)
    first = _flat(_pages(data)[0])
    assert first.count("UBND PHƯỜNG TÂN PHONG") == 1
    assert "PHƯỜNG TÂN PHONG PHƯỜNG TÂN PHONG" not in first
    assert "PHÒNG VĂN HÓA - XÃ HỘI" in first
    assert re.search(r"(?<!Phường )Tân Phong, ngày \d\d tháng \d\d năm \d{4}", first)
    assert "Phường Tân Phong, ngày" not in first
    assert "Số: /BC-VHXH" in first
    assert "Kính gửi: Sở GD-ĐT Lai Châu." in first


@pytest.mark.parametrize(("unit", "officer", "role"), [
    ("ward", "ward_reviewer", "TRƯỞNG PHÒNG"),
    ("province", "reviewer", "GIÁM ĐỐC"),
    ("primary", "m1", "HIỆU TRƯỞNG"),
])
def test_the_signature_names_the_heads_role_and_the_officer_only_as_preparer(
    db, small, login, unit, officer, role
):
    user = small.users[officer]
    data = _report(login(user), small.units[unit].id)
    flat = _flat(" ".join(_pages(data)))
    assert "THỦ TRƯỞNG ĐƠN VỊ" not in flat
    assert flat.count(user.full_name) == 1
    assert f"Người lập biểu: {user.full_name}" in flat
    texts = _positioned(data)
    heads = [t for t in texts if t.text == role]
    sign_here = [t for t in texts if t.text == "(Ký, ghi rõ họ tên, đóng dấu)"]
    preparer = [t for t in texts if user.full_name in t.text]
    assert len(heads) == len(sign_here) == len(preparer) == 1
    # The role heads the right-hand column, the officer's name stands in the left one, under
    # "Nơi nhận"; nothing is printed under the role but the signing note.
    middle = 30 * 72 / 25.4 + (595.27 - 45 * 72 / 25.4) / 2
    assert heads[0].x > middle > preparer[0].x
    head = heads[0]
    below_role = [t for t in texts if t.page == head.page and t.x > middle and t.y < head.y
                  and head.y - t.y < 120 and t is not sign_here[0]]
    assert below_role == []


def test_chart_labels_are_whole_or_abbreviated_with_the_full_name_in_the_table(
    db, small, login
):
    _add_communes(db, small, [LONG, TOO_LONG])
    data = _report(login(small.users["reviewer"]), small.units["province"].id)
    flat = _flat(" ".join(_pages(data)))
    assert flat.count(LONG) == 2  # the chart's label, on two lines, and the table's row
    assert flat.count(TOO_LONG) == 1  # the table's row
    shortened = [t.text for t in _positioned(data) if t.text.endswith("…")]
    assert len(shortened) == 1 and shortened[0].rstrip("…").strip() in TOO_LONG
    for name in ("Phường Tân Phong", "Huyện Tam Đường (cũ)", "Trường THPT Lai Châu"):
        assert flat.count(name) >= 2, name


def test_the_dashboards_chart_wraps_labels_and_titles_the_ones_it_shortens(db, small, login):
    _add_communes(db, small, [LONG, TOO_LONG])
    page = login(small.users["reviewer"]).get(f"/units/{small.units['province'].id}/coverage")
    svg = re.search(r"<svg.*?</svg>", page.get_data(as_text=True), re.S)
    assert svg is not None
    labels = re.findall(r'<text text-anchor="end"[^>]*>(.*?)</text>', svg.group(0))
    lines = {" ".join(re.findall(r"<tspan[^>]*>(.*?)</tspan>", label)): label
             for label in labels}
    assert LONG in lines  # whole, on two lines
    assert len(re.findall("<tspan", lines[LONG])) == 2
    shortened = [label for text, label in lines.items() if text.endswith("…")]
    assert len(shortened) == 1 and f"<title>{TOO_LONG}</title>" in shortened[0]
    assert "Huyện Tam Đường (cũ)" in lines


def test_an_english_report_writes_english_numbers(db, small, login):
    client = login(small.users["reviewer"])
    client.set_cookie("lms_lang", "en")
    flat = _flat(" ".join(_pages(_report(client, small.units["province"].id))))
    assert "58.3%" in flat and "58,3%" not in flat
    assert "DIRECTOR" in flat
