"""Class lists as schools have them: school-made codes, lists without codes, classes that must
fit the school's level. Run on SQLite and PostgreSQL (LMS_TEST_DATABASE_URL)."""

from __future__ import annotations

import html

from roster_files import csv_text, xlsx
from sqlalchemy import func, select

from helpers import SCHOOL_YEAR, csrf_token_from
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import Membership, User
from lms_module.roster.importing import apply_roster, plan_roster
from lms_module.roster.models import RosterKind
from lms_module.roster.student_codes import is_made_code

CODE_HEADER = ["STT", "Mã học sinh", "Họ và tên", "Lớp"]
PLAIN_HEADER = ["STT", "Họ và tên", "Lớp"]
PLAIN_LIST = [
    PLAIN_HEADER,
    [1, "Nguyễn Văn An", "2A"],
    [2, "Lò Thị Bình", "2A"],
    [3, "Nguyễn Văn An", "2A"],  # two children of one name in one class
    [4, "Vàng A Chứ", "3B"],
]


def students_of(db, school: OrgUnit) -> list[User]:
    return list(db.scalars(
        select(User).where(User.student_code_school_id == school.id).order_by(User.id)
    ))


def count_users(db) -> int:
    return db.scalar(select(func.count()).select_from(User)) or 0


def classes_of(user: User) -> dict[str, bool]:
    return {m.org_unit.name: m.active for m in user.memberships}


def test_school_made_codes_are_imported_upper_case_within_the_school(db, run_import, tree):
    rows = [CODE_HEADER, [1, "hs0001", "Nguyễn Thị Hoa", "2A"],
            [2, " HS-2026_b ", "Lò Thị Lan", "2A"], [3, "0123456789", "Vàng Thị Mai", "2A"]]
    plan = run_import(xlsx(rows), tree["school"])
    assert plan.counts == {"new": 3, "updated": 0, "unchanged": 0}
    hoa, lan = students_of(db, tree["school"])
    assert (hoa.student_code, lan.student_code) == ("HS0001", "HS-2026_B")
    assert hoa.username == f"{tree['school'].code}.hs0001".lower()
    mai = db.scalars(select(User).where(User.student_code == "0123456789")).one()
    assert mai.student_code_school_id is None  # a national code: one child in the country
    assert mai.username == "0123456789"


def test_reimport_in_another_case_finds_the_same_students(db, run_import, tree, snapshot):
    run_import(xlsx([CODE_HEADER, [1, "hs0001", "Nguyễn Thị Hoa", "2A"],
                     [2, "Hs0002", "Lò Thị Lan", "2A"]]), tree["school"])
    before = snapshot()
    plan = run_import(csv_text([CODE_HEADER, [1, "HS0001", "Nguyễn Thị Hoa", "2A"],
                                [2, "hs 0002", "Lò Thị Lan", "2A"]]).encode(), tree["school"],
                      filename="ds.csv")
    assert plan.counts == {"new": 0, "updated": 0, "unchanged": 2}
    assert snapshot() == before


def test_the_same_code_twice_in_a_file_in_another_case_is_refused(run_import, tree, snapshot):
    before = snapshot()
    plan = run_import(xlsx([CODE_HEADER, [1, "hs0001", "Nguyễn Thị Hoa", "2A"],
                            [2, "HS0001", "Lò Thị Lan", "2A"]]), tree["school"])
    assert [(p.row, p.message) for p in plan.problems] == [
        (3, "Mã “HS0001” bị trùng với dòng 2.")]
    assert snapshot() == before


def test_the_same_school_code_in_two_schools_is_two_children(db, run_import, tree):
    run_import(xlsx([CODE_HEADER, [1, "HS0001", "Nguyễn Thị Hoa", "2A"]]), tree["school"])
    plan = run_import(xlsx([CODE_HEADER, [1, "HS0001", "Quàng Văn Pao", "3B"]]),
                      tree["other_school"])
    assert plan.counts["new"] == 1
    children = db.scalars(select(User).where(User.student_code == "HS0001")).all()
    assert sorted((u.full_name, u.student_code_school_id) for u in children) == sorted(
        [("Nguyễn Thị Hoa", tree["school"].id), ("Quàng Văn Pao", tree["other_school"].id)])


def test_a_province_file_may_give_two_of_its_schools_the_same_school_code(
    db, run_import, admin, tree
):
    header = ["Mã trường", *CODE_HEADER]
    plan = run_import(xlsx([header, [tree["school"].code, 1, "HS0001", "Nguyễn Thị Hoa", "2A"],
                            [tree["high_school"].code, 2, "HS0001", "Lò Văn Minh", "10A1"]]),
                      tree["province"], importer=admin)
    assert plan.problems == []
    assert plan.counts["new"] == 2
    assert len(db.scalars(select(User).where(User.student_code == "HS0001")).all()) == 2


def test_a_list_without_a_code_column_imports_with_codes_the_system_makes(
    db, run_import, tree
):
    plan = run_import(xlsx(PLAIN_LIST), tree["school"])
    assert plan.problems == []
    assert plan.counts == {"new": 4, "updated": 0, "unchanged": 0}
    assert plan.made_codes == 4
    assert plan.namesakes == ["Nguyễn Văn An (lớp 2A)"]
    children = students_of(db, tree["school"])
    assert [u.full_name for u in children] == [
        "Nguyễn Văn An", "Lò Thị Bình", "Nguyễn Văn An", "Vàng A Chứ"]
    assert all(is_made_code(u.student_code or "") for u in children)
    assert len({u.student_code for u in children}) == 4
    assert classes_of(children[3]) == {"3B": True}  # a new class of the school


def test_a_list_without_codes_imported_twice_makes_no_duplicates(
    db, run_import, tree, snapshot
):
    run_import(xlsx(PLAIN_LIST), tree["school"])
    codes = [u.student_code for u in students_of(db, tree["school"])]
    before = snapshot()
    again = run_import(csv_text(PLAIN_LIST).encode(), tree["school"], filename="lai.csv")
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 4}
    assert snapshot() == before
    assert [u.student_code for u in students_of(db, tree["school"])] == codes


def test_a_code_column_left_empty_is_a_list_without_codes(db, run_import, tree):
    rows = [CODE_HEADER, [1, "", "Nguyễn Văn An", "2A"], [2, None, "Lò Thị Bình", "2A"]]
    plan = run_import(xlsx(rows), tree["school"])
    assert plan.made_codes == 2 and plan.counts["new"] == 2


def test_a_code_missing_on_some_rows_only_is_refused(run_import, tree):
    rows = [CODE_HEADER, [1, "HS0001", "Nguyễn Văn An", "2A"], [2, "", "Lò Thị Bình", "2A"]]
    plan = run_import(xlsx(rows), tree["school"])
    assert [(p.row, p.message) for p in plan.problems] == [(3, "Thiếu mã định danh.")]
    assert "xóa cả cột mã để hệ thống tự tạo mã" in plan.problems[0].fix


def plan_next_year(db, data: bytes, scope: OrgUnit):
    plan = plan_roster(db, data=data, filename="ds.xlsx", kind=RosterKind.STUDENTS, scope=scope,
                       importer=None, school_year="2027-2028", max_bytes=5_000_000,
                       max_rows=5000)
    if plan.ok:
        apply_roster(db, plan, actor_id=None)
        db.flush()
    return plan


def test_next_years_list_without_codes_finds_last_years_children(db, run_import, tree):
    run_import(xlsx(PLAIN_LIST), tree["school"])
    last_year = students_of(db, tree["school"])
    plan = plan_next_year(db, xlsx([PLAIN_HEADER, [1, "Nguyễn Văn An", "3A"],
                                    [2, "Lò Thị Bình", "3A"], [3, "Nguyễn Văn An", "3A"],
                                    [4, "Vàng A Chứ", "4B"], [5, "Lò Văn Mới", "3A"]]),
                          tree["school"])
    assert plan.counts == {"new": 1, "updated": 4, "unchanged": 0}
    children = students_of(db, tree["school"])
    assert children[:4] == last_year and children[4].full_name == "Lò Văn Mới"
    this_year = {m.org_unit.name for u in children[:4] for m in u.memberships
                 if m.school_year == "2027-2028"}
    assert this_year == {"3A", "4B"}


def test_codes_added_later_go_to_the_children_imported_without_codes(
    db, run_import, tree, snapshot
):
    run_import(xlsx(PLAIN_LIST), tree["school"])
    an, binh = students_of(db, tree["school"])[:2]
    before = snapshot()
    plan = run_import(xlsx([CODE_HEADER, [1, "0123456789", "Nguyễn Văn An", "2A"],
                            [2, "hs0002", "Lò Thị Bình", "2A"]]), tree["school"])
    assert plan.counts == {"new": 0, "updated": 2, "unchanged": 0}
    assert plan.changes[0].changes[0].startswith("Mã: TD26-")
    assert snapshot() == before
    db.refresh(an)
    db.refresh(binh)
    assert (an.student_code, an.student_code_school_id) == ("0123456789", None)
    assert (binh.student_code, binh.student_code_school_id) == ("HS0002", tree["school"].id)


def test_a_class_outside_the_primary_schools_grades_is_refused_with_why(
    run_import, tree, snapshot
):
    before = snapshot()
    plan = run_import(xlsx([PLAIN_HEADER, [1, "Nguyễn Văn An", "6A"], [2, "Lò Thị Bình", "6B"],
                            [3, "Vàng A Chứ", "2A"]]), tree["school"])
    assert [(p.row, p.message) for p in plan.problems] == [
        (2, "Lớp 6A (khối 6) không thuộc trường tiểu học (khối 1–5)."),
        (3, "Lớp 6B (khối 6) không thuộc trường tiểu học (khối 1–5)."),
    ]
    assert "hãy đề nghị quản trị sửa cấp học của trường" in plan.problems[0].fix
    assert snapshot() == before


def test_a_grade_column_outside_the_level_is_refused_too(run_import, tree):
    plan = run_import(xlsx([[*PLAIN_HEADER, "Khối"], [1, "Lò Văn Minh", "A1", 2]]),
                      tree["high_school"])
    assert [p.message for p in plan.problems] == [
        "Lớp A1 (khối 2) không thuộc trường THPT (khối 10–12)."]


def test_a_multi_level_school_takes_the_grades_its_name_combines(
    db, run_import, make_unit, tree
):
    lien_cap = make_unit(OrgKind.SCHOOL, tree["commune"],
                         name="Trường PTDTBT Tiểu học và THCS Sìn Hồ",
                         school_level=SchoolLevel.MULTI_LEVEL)
    plan = run_import(xlsx([PLAIN_HEADER, [1, "Nguyễn Văn An", "1A"], [2, "Lò Thị Bình", "9A"],
                            [3, "Vàng A Chứ", "10A"]]), lien_cap)
    assert [p.message for p in plan.problems] == [
        "Lớp 10A (khối 10) không thuộc trường liên cấp (khối 1–9)."]
    plan = run_import(xlsx([*PLAIN_LIST[:3], [3, "Lò Thị Bình", "9A"]]), lien_cap)
    assert plan.counts["new"] == 3


def test_an_existing_class_outside_the_level_takes_no_more_students(
    db, run_import, make_unit, tree
):
    make_unit(OrgKind.CLASS, tree["school"], name="6A", grade=6)  # made before the check
    plan = run_import(xlsx([PLAIN_HEADER, [1, "Nguyễn Văn An", "6A"]]), tree["school"])
    assert [p.message for p in plan.problems] == [
        "Lớp 6A (khối 6) không thuộc trường tiểu học (khối 1–5)."]


def test_the_preview_says_codes_will_be_made_and_how_to_keep_them(
    db, client, login, manager, tree, upload_file
):
    login(manager)
    upload_page = html.unescape(client.get(f"/units/{tree['school'].id}/roster").text)
    assert "mã định danh của Bộ GD&ĐT (10 chữ số)" in upload_page
    response = upload_file(tree["school"], xlsx(PLAIN_LIST), "lop-2A.xlsx")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = html.unescape(client.get(preview_url).text)
    assert "Tệp không có cột mã: hệ thống sẽ tự tạo mã" in preview
    assert "giữ đúng họ tên và tên lớp như lần nhập trước" in preview
    assert "phân biệt theo thứ tự dòng: Nguyễn Văn An (lớp 2A)." in preview
    token = csrf_token_from(client, preview_url)
    assert client.post(f"{preview_url}/confirm", data={"csrf_token": token}).status_code == 302
    assert len(students_of(db, tree["school"])) == 4
    in_2a = db.scalars(select(Membership).where(Membership.org_unit_id == tree["class"].id))
    assert len(list(in_2a)) == 3
    assert SCHOOL_YEAR == "2026-2027"
