"""Coverage pages and exports list units and people in Vietnamese order (ICU's vi collation):
"Phường Đoàn Kết" before "Phường Tân Phong", class 2A2 before 2A10, people by given name."""

from __future__ import annotations

import io

from coverage_support import export_report
from openpyxl import load_workbook

from helpers import SCHOOL_YEAR
from lms_module.orgs.models import OrgKind, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Role
from lms_module.people.services import add_membership, create_user


def order_in(text: str, names: list[str]) -> list[str]:
    """Return ``names`` in the order they first appear in ``text`` (each must appear)."""
    missing = [name for name in names if name not in text]
    assert not missing, f"not found: {missing}"
    return sorted(names, key=text.index)


def add_student(db, unit, name):
    user = create_user(db, username=f"vo.{len(name)}.{unit.id}.{abs(hash(name)) % 10**6}",
                       full_name=name, password=None)
    add_membership(db, user, unit, Role.STUDENT, school_year=SCHOOL_YEAR)
    db.flush()
    return user


def add_doan_ket(db, small):
    """A second ward, created after Phường Tân Phong, with a school and one student."""
    ward = create_unit(db, kind=OrgKind.COMMUNE, code="ST-doanket", name="Phường Đoàn Kết",
                       parent=small.units["province"])
    school = create_unit(db, kind=OrgKind.SCHOOL, code="ST-thdk", name="Trường Tiểu học Đoàn Kết",
                         parent=ward, school_level=SchoolLevel.PRIMARY)
    grade_2 = create_unit(db, kind=OrgKind.CLASS, code="ST-dk2", name="2B", parent=school,
                          grade=2, school_year=SCHOOL_YEAR)
    add_student(db, grade_2, "Hờ Thị Sua")


def test_drill_down_and_exports_sorted_by_name_put_doan_ket_before_tan_phong(db, small, login):
    add_doan_ket(db, small)
    client = login(small.users["reviewer"])
    url = f"/units/{small.units['province'].id}/coverage"
    children = ["Huyện Tam Đường (cũ)", "Phường Đoàn Kết", "Phường Tân Phong",
                "Trường THPT Lai Châu"]
    page = client.get(url, query_string={"sort": "name"}).get_data(as_text=True)
    assert order_in(page.split("<tbody>", 1)[1], children) == children
    descending = client.get(url, query_string={"sort": "name", "order": "desc"})
    assert order_in(descending.get_data(as_text=True).split("<tbody>", 1)[1], children) == (
        children[::-1])
    csv = client.get(url + "/report.csv", query_string={"sort": "name"})
    assert order_in(csv.data.decode("utf-8-sig"), children) == children
    workbook = load_workbook(io.BytesIO(
        export_report(client, small.units["province"].id, "xlsx", {"sort": "name"}).data))
    listed = [row[0] for row in workbook["Đơn vị trực thuộc"].iter_rows(min_row=2,
                                                                      values_only=True)]
    assert [name for name in listed if name in children] == children
    # Every school of the province, by name (not in the order they were created).
    schools = [row[0] for row in workbook["Trường"].iter_rows(min_row=2, values_only=True)]
    assert [name for name in schools if name and name.startswith("Trường")] == [
        "Trường THCS Tân Phong", "Trường THPT Lai Châu", "Trường Tiểu học Bình Lư",
        "Trường Tiểu học Đoàn Kết"]


def test_school_managers_classes_come_by_grade_then_number(db, small, login):
    primary = small.units["primary"]
    for name, student in (("2A10", "Mùa A Sính"), ("2A2", "Mùa A Páo")):
        unit = create_unit(db, kind=OrgKind.CLASS, code=f"ST-{name}", name=name, parent=primary,
                           grade=2, school_year=SCHOOL_YEAR)
        add_student(db, unit, student)
    client = login(small.users["m1"])
    url = f"/units/{primary.id}/coverage"
    workbook = load_workbook(io.BytesIO(client.get(url + "/report.xlsx").data))
    classes = [row[0] for row in workbook["Lớp"].iter_rows(min_row=2, values_only=True)]
    assert [name for name in classes if name in ("2A", "2A2", "2A10", "3A")] == [
        "2A", "2A2", "2A10", "3A"]


def test_uncovered_people_come_by_class_then_given_name(db, small, login):
    for name in ("Lò Văn Em", "Đặng Văn Đạt", "Vũ Văn Bình", "Đặng Thị Chi", "Vũ Thị Ánh"):
        add_student(db, small.units["2A"], name)
    client = login(small.users["m1"])
    target = small.targets["student"].id
    page = client.get(f"/units/{small.units['primary'].id}/coverage/uncovered",
                      query_string={"target": target})
    assert page.status_code == 200
    people = ["Vũ Thị Ánh", "Vũ Văn Bình", "Đặng Thị Chi", "Giàng A Của", "Vàng Thị Dung",
              "Đặng Văn Đạt", "Lò Văn Em",  # 2A
              "Lý Thị Giang"]  # 3A
    assert order_in(page.get_data(as_text=True).split("<tbody>", 1)[1], people) == people
