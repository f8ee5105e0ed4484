"""The dashboard, drill-down, named lists, targets form and exports, with their access rules."""

from __future__ import annotations

import datetime as dt
import io
import re

from coverage_support import export_report
from sqlalchemy import select

from helpers import SCHOOL_YEAR, csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.obligations.models import CoverageTarget

CHILD_NAMES = ["Lò Thị An", "Giàng A Của", "Vàng Thị Dung", "Lý Thị Giang", "Bùi Văn Long"]


def test_office_dashboard_shows_targets_chart_and_children_without_names(db, small, login):
    client = login(small.users["reviewer"])
    page = client.get(f"/units/{small.units['province'].id}/coverage")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "58,3%" in html and "7/12" in html
    assert "còn cần đào tạo: 5" in html
    assert 'role="img"' in html and "<title id=" in html
    assert "style=" not in html and "<script>" not in html  # CSP: no inline styles or scripts
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for name in ("Huyện Tam Đường (cũ)", "Phường Tân Phong", "Trường THPT Lai Châu"):
        assert name in html
    assert "Sở GD-ĐT Điện Biên" not in html
    for name in CHILD_NAMES:
        assert name not in html


def test_drill_down_sorts_by_coverage_on_the_server(db, small, login):
    client = login(small.users["reviewer"])
    url = f"/units/{small.units['province'].id}/coverage"
    ascending = client.get(url + "?sort=coverage").get_data(as_text=True)
    descending = client.get(url + "?sort=coverage&order=desc").get_data(as_text=True)
    order = ["Phường Tân Phong", "Huyện Tam Đường (cũ)", "Trường THPT Lai Châu"]  # 50, 57, 67%
    table = ascending.split("<tbody>", 1)[1]
    assert [table.index(n) for n in order] == sorted(table.index(n) for n in order)
    table = descending.split("<tbody>", 1)[1]
    assert [table.index(n) for n in reversed(order)] == sorted(table.index(n) for n in order)


def test_office_reviewer_sees_no_class_or_names_at_a_school_and_cannot_list_people(
    db, small, login
):
    client = login(small.users["reviewer"])
    school = small.units["primary"]
    html = client.get(f"/units/{school.id}/coverage").get_data(as_text=True)
    assert "4/7" in html
    assert "Theo lớp" not in html
    for name in CHILD_NAMES:
        assert name not in html
    target = small.targets["student"].id
    assert client.get(f"/units/{school.id}/coverage/uncovered?target={target}").status_code == 403
    assert client.get(
        f"/units/{small.units['2A'].id}/coverage/uncovered?target={target}").status_code == 403


def test_an_office_sees_only_its_own_subtree(db, small, login):
    client = login(small.users["ward_reviewer"])
    assert client.get(f"/units/{small.units['ward'].id}/coverage").status_code == 200
    assert client.get(f"/units/{small.units['thcs'].id}/coverage").status_code == 200
    assert client.get(f"/units/{small.units['province'].id}/coverage").status_code == 403
    assert client.get(f"/units/{small.units['primary'].id}/coverage").status_code == 403
    assert client.get(f"/units/{small.units['ward'].id}/coverage/report.xlsx").status_code == 200
    assert client.get(
        f"/units/{small.units['primary'].id}/coverage/report.pdf").status_code == 403


def test_school_manager_drills_to_classes_and_named_people_and_is_audited(db, small, login):
    client = login(small.users["m1"])
    school = small.units["primary"]
    html = client.get(f"/units/{school.id}/coverage").get_data(as_text=True)
    assert "Theo lớp" in html and "Khối 2" in html
    target = small.targets["student"].id
    listing = client.get(f"/units/{small.units['2A'].id}/coverage/uncovered?target={target}")
    text = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Giàng A Của" in text and "Vàng Thị Dung" in text
    assert "Lò Thị An" not in text  # covered
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "view_uncovered_people")).one()
    assert event.actor_id == small.users["m1"].id and event.detail["count"] == 2
    assert client.get(f"/units/{small.units['province'].id}/coverage").status_code == 403
    assert client.get(f"/units/{small.units['thpt'].id}/coverage").status_code == 403


def test_admin_sees_figures_but_no_childrens_names(db, small, login):
    client = login(small.users["admin"])
    target = small.targets["student"].id
    html = client.get(f"/units/{small.units['primary'].id}/coverage").get_data(as_text=True)
    assert "4/7" in html and "Giàng A Của" not in html
    assert client.get(
        f"/units/{small.units['2A'].id}/coverage/uncovered?target={target}").status_code == 403


def test_reviewer_sets_a_target_with_vietnamese_validation(db, small, login):
    client = login(small.users["ward_reviewer"])
    url = f"/units/{small.units['ward'].id}/coverage/targets"
    token = csrf_token_from(client, url)
    bad = client.post(url, data={"csrf_token": token, "audience": "student",
                                 "requirement": small.student_requirement.id, "percent": "120",
                                 "school_year": "2026", "deadline": "31-05-2027"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "không quá 100" in text and "2026-2027" in text and "ngày/tháng/năm" in text
    good = client.post(url, data={"csrf_token": token, "audience": "student",
                                  "requirement": small.student_requirement.id, "percent": "98,5",
                                  "school_year": SCHOOL_YEAR, "deadline": "15/05/2027"})
    assert good.status_code == 302
    target = db.scalars(select(CoverageTarget).where(
        CoverageTarget.org_unit_id == small.units["ward"].id)).one()
    assert target.percent == 98.5 and target.deadline.isoformat() == "2027-05-15"
    no_csrf = client.post(url, data={"audience": "student"})
    assert no_csrf.status_code == 400
    assert login(small.users["m1"]).get(
        f"/units/{small.units['primary'].id}/coverage/targets").status_code == 403


def test_xlsx_export_has_vietnamese_headers_and_a_sheet_per_level(db, small, login):
    from openpyxl import load_workbook

    client = login(small.users["reviewer"])
    response = export_report(client, small.units["province"].id, "xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["Chỉ tiêu", "Đơn vị trực thuộc", "Trường"]
    targets = workbook["Chỉ tiêu"]
    assert [c.value for c in targets[4]][:7] == [
        "Đối tượng", "Yêu cầu", "Chỉ tiêu (%)", "Hạn", "Cần đào tạo", "Đã có chứng nhận",
        "Tỉ lệ (%)"]
    assert [c.value for c in targets[5]][:8] == [
        "Học sinh", "Kỹ năng sống và tự bảo vệ", 95, dt.datetime(2027, 5, 31), 12, 7, 58.3, 5]
    assert targets["D5"].number_format == "DD/MM/YYYY"  # a date Excel shows as 31/05/2027
    children = {row[0]: row[2:5] for row in workbook["Đơn vị trực thuộc"].iter_rows(
        min_row=2, values_only=True)}
    assert children["Huyện Tam Đường (cũ)"] == (7, 4, 57.1)
    assert children["Trường THPT Lai Châu"] == (3, 2, 66.7)
    schools = {row[0]: row[2:4] for row in workbook["Trường"].iter_rows(min_row=2,
                                                                         values_only=True)}
    assert schools == {"Trường Tiểu học Bình Lư": (7, 4), "Trường THCS Tân Phong": (2, 1),
                       "Trường THPT Lai Châu": (3, 2)}


def test_csv_export_is_utf8_with_bom(db, small, login):
    client = login(small.users["reviewer"])
    response = client.get(f"/units/{small.units['province'].id}/coverage/report.csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert "Sở GD-ĐT Lai Châu;Toàn đơn vị;Học sinh" in text  # Vietnamese: ";" between fields
    assert "Phường Tân Phong;Đơn vị trực thuộc;Học sinh" in text


def test_pdf_export_follows_the_official_layout(db, small, login):
    from pypdf import PdfReader

    client = login(small.users["reviewer"])
    response = export_report(client, small.units["province"].id, "pdf")
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.data)).pages
    first = re.sub(r"\s+", " ", pages[0].extract_text())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SỞ GD-ĐT LAI CHÂU", "BÁO CÁO"):
        assert expected in first, expected
    flat = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "SỞ GD-ĐT LAI CHÂU", "Số:", "/BC-", "Lai Châu, ngày", "BÁO CÁO",
                     "58,3%", "Phường Tân Phong", "GIÁM ĐỐC",
                     "Người lập biểu: Đỗ Thị Thanh Hương"):
        assert expected in flat, expected
    for name in CHILD_NAMES:
        assert name not in flat
