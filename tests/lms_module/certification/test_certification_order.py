"""The school's lists and exports of people come in Vietnamese order: class (numbers as
numbers), then given name, middle and family name (ICU's vi collation)."""

from __future__ import annotations

import datetime as dt
import io
import re

from certification_support import complete, download_school_zip, zip_names
from openpyxl import load_workbook

from lms_module.obligations.models import Assignment
from lms_module.orgs.models import OrgKind
from lms_module.people.models import Role

#: Shuffled on purpose; code-point order puts Lê Thu before Lê Thị and Đặng after Vũ.
NAMES = ["Vũ Văn Bình", "Lê Thu Hoa", "Đặng Thị Chi", "Trần Thị Ánh", "Lê Thị Hoa",
         "Nguyễn Văn An"]
IN_ORDER = ["Nguyễn Văn An", "Trần Thị Ánh", "Vũ Văn Bình", "Đặng Thị Chi", "Lê Thị Hoa",
            "Lê Thu Hoa"]


def order_on_page(text: str, names: list[str]) -> list[str]:
    """Return ``names`` in the order they first appear in ``text`` (each must appear)."""
    missing = [name for name in names if name not in text]
    assert not missing, f"not on the page: {missing}"
    return sorted(names, key=text.index)


def two_classes(make_unit, make_user, tree):
    """Classes 2A10 and 2A2 (created in that order), three of NAMES in each."""
    classes = {name: make_unit(OrgKind.CLASS, tree["school"], name=name, grade=2)
               for name in ("2A10", "2A2")}
    students = [make_user(Role.STUDENT, classes["2A10" if i % 2 else "2A2"], full_name=name)
                for i, name in enumerate(NAMES)]
    return classes, students


def expected_by_class(students) -> list[str]:
    """2A2 before 2A10, each class in IN_ORDER."""
    in_2a2 = {s.full_name for s in students if s.memberships[0].org_unit.name == "2A2"}
    return ([n for n in IN_ORDER if n in in_2a2] + [n for n in IN_ORDER if n not in in_2a2])


def test_training_status_page_lists_classes_then_names_in_vietnamese_order(
    client, db, login, make_unit, make_user, student_course, manager, tree
):
    _classes, students = two_classes(make_unit, make_user, tree)
    db.add(Assignment(course=student_course, org_unit=tree["school"], role=Role.STUDENT,
                      due_on=dt.date(2020, 1, 1), grade_min=1, grade_max=5))
    db.flush()
    login(manager)
    page = client.get(f"/units/{tree['school'].id}/training-status").get_data(as_text=True)
    assert order_on_page(page, NAMES) == expected_by_class(students)


def test_in_service_workbook_lists_teachers_by_given_name(
    client, db, login, make_user, manager, tree
):
    for number, name in enumerate(("Vũ Văn Bình", "Đặng Thị Chi", "Trần Thị Ánh",
                                   "Nguyễn Văn An")):
        make_user(Role.TEACHER, tree["school"], full_name=name, staff_code=f"GV-{number}")
    login(manager)  # Lò Thị Tâm, a manager: listed too
    response = client.get(f"/units/{tree['school'].id}/in-service.xlsx",
                          query_string={"year": "2026-2027"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if row and row[0] == "STT")
    listed = [row[1] for row in rows[header + 1:] if row and isinstance(row[0], int)]
    assert listed == ["Nguyễn Văn An", "Trần Thị Ánh", "Vũ Văn Bình", "Đặng Thị Chi",
                      "Lò Thị Tâm"]
    page = client.get(f"/units/{tree['school'].id}/in-service",
                      query_string={"year": "2026-2027"}).get_data(as_text=True)
    assert order_on_page(page, listed) == listed


def test_certificates_list_and_zip_come_by_class_then_holder_in_vietnamese_order(
    client, db, login, make_unit, make_user, student_course, manager, tree
):
    _classes, students = two_classes(make_unit, make_user, tree)
    for student in reversed(students):  # serials in the opposite order of the names
        assert complete(db, student, student_course) is not None
    login(manager)
    page = client.get(f"/units/{tree['school'].id}/certificates").get_data(as_text=True)
    table = page[page.index("<tbody>"):]
    assert order_on_page(table, NAMES) == expected_by_class(students)
    archive = download_school_zip(client, tree["school"].id)
    entries = [re.sub(r"^[^/]+/[^_]+_", "", name) for name in zip_names(archive)]
    classes = [name.split("/")[0].split("-")[1] for name in zip_names(archive)]
    assert classes == ["2a2"] * 3 + ["2a10"] * 3  # folders "lop-2a2-truong-...", then 2A10
    slugs = {"Nguyễn Văn An": "nguyen-van-an.pdf", "Trần Thị Ánh": "tran-thi-anh.pdf",
             "Vũ Văn Bình": "vu-van-binh.pdf", "Đặng Thị Chi": "dang-thi-chi.pdf",
             "Lê Thị Hoa": "le-thi-hoa.pdf", "Lê Thu Hoa": "le-thu-hoa.pdf"}
    assert entries == [slugs[name] for name in expected_by_class(students)]
