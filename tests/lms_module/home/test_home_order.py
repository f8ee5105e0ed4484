"""Home pages list units and students in Vietnamese order (ICU's vi collation)."""

from __future__ import annotations

import html
import re

from lms_module.orgs.models import OrgKind
from lms_module.people.models import Role


def link_texts(page: str) -> list[str]:
    """The texts of the links in the page's first table body, in order."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [html.unescape(text) for text in re.findall(r">([^<>]+)</a>", body)]


def order_in(text: str, names: list[str]) -> list[str]:
    """Return ``names`` in the order they first appear in ``text`` (each must appear)."""
    missing = [name for name in names if name not in text]
    assert not missing, f"not found: {missing}"
    return sorted(names, key=text.index)


def test_an_office_sees_its_wards_in_vietnamese_order(client, login, make_unit, make_user, tree):
    for name in ("Phường Tân Phong", "Phường Đoàn Kết", "Xã Bản Giang"):
        make_unit(OrgKind.COMMUNE, tree["province"], name=name)
    login(make_user(Role.OFFICE_REVIEWER, tree["province"], full_name="Lò Văn Khiêm"))
    page = client.get(f"/units/{tree['province'].id}").get_data(as_text=True)
    listed = [name for name in link_texts(page) if name.startswith(("Phường", "Xã", "Trường"))]
    assert listed == ["Phường Đoàn Kết", "Phường Tân Phong", "Trường THPT Lai Châu",
                      "Xã Bản Giang", "Xã Tam Đường"]


def test_a_school_lists_its_classes_by_grade_then_number(
    client, login, make_unit, make_user, tree
):
    school = tree["school"]  # already has 2A
    for name, grade in (("2A10", 2), ("3A", 3), ("2A2", 2), ("2A1", 2)):
        make_unit(OrgKind.CLASS, school, name=name, grade=grade)
    login(make_user(Role.SCHOOL_MANAGER, school, full_name="Lò Thị Tâm"))
    for url in ("/", f"/units/{school.id}"):
        page = client.get(url).get_data(as_text=True)
        classes = [text for text in link_texts(page) if re.fullmatch(r"\d+A\d*", text)]
        assert classes == ["2A", "2A1", "2A2", "2A10", "3A"], url


def test_a_class_list_names_students_by_given_name(client, login, make_user, tree):
    names = ["Vũ Văn Bình", "Lê Thu Hoa", "Đặng Thị Chi", "Trần Thị Ánh", "Lê Thị Hoa",
             "Nguyễn Văn An"]
    for name in names:
        make_user(Role.STUDENT, tree["class"], full_name=name)
    login(make_user(Role.SCHOOL_MANAGER, tree["school"], full_name="Lò Thị Tâm"))
    page = client.get(f"/classes/{tree['class'].id}").get_data(as_text=True)
    students_table = page.rsplit("<tbody>", 1)[1]
    assert order_in(students_table, names) == [
        "Nguyễn Văn An", "Trần Thị Ánh", "Vũ Văn Bình", "Đặng Thị Chi", "Lê Thị Hoa",
        "Lê Thu Hoa"]
