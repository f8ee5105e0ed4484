"""Importing rosters: the manager's journey, re-imports, class changes, scope, units, CLI."""

from __future__ import annotations

import html
import io
import re

import pytest
from openpyxl import load_workbook
from roster_files import STUDENT_HEADER, csv_text, students, xlsx
from sqlalchemy import func, select

from helpers import csrf_token_from
from lms_module.audit.models import AuditEvent
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import Membership, Role, User
from lms_module.roster.models import RosterUpload, UploadStatus
from lms_module.roster.staff import parse_role
from lms_module.roster.units import parse_kind, parse_level

HOA = ["1", "012345678901", "Nguyễn Thị Hoa", "2A"]


def student(db, code: str) -> User:
    return db.scalars(select(User).where(User.student_code == code)).one()


def test_manager_uploads_previews_and_confirms_a_class_list(
    db, client, login, manager, tree, upload_file
):
    login(manager)
    assert "Nhập danh sách từ Excel" in client.get(f"/units/{tree['school'].id}/roster").text
    response = upload_file(tree["school"], xlsx([STUDENT_HEADER, *students(3)]), "2A.xlsx")
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = html.unescape(client.get(preview_url).get_data(as_text=True))
    assert "3 thêm mới" in preview and "0 cập nhật" in preview
    assert db.scalar(select(func.count()).select_from(User).where(
        User.student_code.like("0120%"))) == 0  # the preview wrote nothing
    token = csrf_token_from(client, preview_url)
    done = client.post(f"{preview_url}/confirm", data={"csrf_token": token})
    assert done.status_code == 302
    assert "Đã nhập xong: 3 thêm mới, 0 cập nhật, 0 không đổi." in client.get(
        done.headers["Location"]).get_data(as_text=True)
    hs = student(db, "012000000001")
    assert hs.username == "012000000001"
    assert [m.org_unit_id for m in hs.memberships] == [tree["class"].id]
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "roster_imported")).one()
    assert event.actor_id == manager.id
    assert event.detail["new"] == 3 and event.detail["kind"] == "students"
    upload = db.scalars(select(RosterUpload)).one()
    assert upload.status is UploadStatus.IMPORTED and upload.content == b""
    # The same confirmation cannot be replayed.
    assert client.post(f"{preview_url}/confirm", data={"csrf_token": token}).status_code == 404


def test_confirm_without_csrf_token_is_refused(client, login, manager, tree, upload_file):
    login(manager)
    response = upload_file(tree["school"], xlsx([STUDENT_HEADER, HOA]), "ds.xlsx")
    assert client.post(response.headers["Location"] + "/confirm").status_code == 400


def test_another_manager_cannot_confirm_someone_elses_upload(
    client, login, manager, make_user, tree, upload_file
):
    login(manager)
    preview_url = upload_file(tree["school"], xlsx([STUDENT_HEADER, HOA]), "ds.xlsx").headers[
        "Location"]
    colleague = make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql2")
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    login(colleague)
    assert client.get(preview_url).status_code == 404


def test_cancel_erases_the_stored_file(db, client, login, manager, tree, upload_file):
    login(manager)
    preview_url = upload_file(tree["school"], xlsx([STUDENT_HEADER, HOA]), "ds.xlsx").headers[
        "Location"]
    token = csrf_token_from(client, preview_url)
    client.post(f"{preview_url}/cancel", data={"csrf_token": token})
    upload = db.scalars(select(RosterUpload)).one()
    assert upload.status is UploadStatus.CANCELLED and upload.content == b""


def test_reimport_updates_names_instead_of_duplicating(db, run_import, tree, snapshot):
    run_import(xlsx([STUDENT_HEADER, HOA, ["2", "012345678902", "Lò Thị Lan", "2A"]]),
               tree["school"])
    before = snapshot()
    plan = run_import(
        xlsx([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hòa", "2A"],
              ["2", "012345678902", "Lò Thị Lan", "2A"]]),
        tree["school"],
    )
    assert plan.counts == {"new": 0, "updated": 1, "unchanged": 1}
    assert snapshot() == before
    assert student(db, "012345678901").full_name == "Nguyễn Thị Hòa"


def test_class_change_moves_the_student_and_keeps_the_old_membership_inactive(
    db, run_import, tree, make_unit
):
    make_unit(OrgKind.CLASS, tree["school"], name="2B", grade=2)
    run_import(xlsx([STUDENT_HEADER, HOA]), tree["school"])
    plan = run_import(xlsx([STUDENT_HEADER, ["1", "012345678901", "Nguyễn Thị Hoa", "2B"]]),
                      tree["school"])
    assert plan.changes[0].changes == ["Lớp: 2A → 2B"]
    memberships = {m.org_unit.name: m.active for m in student(db, "012345678901").memberships}
    assert memberships == {"2A": False, "2B": True}


def test_manager_of_another_school_is_refused(client, login, make_user, tree):
    outsider = make_user(Role.SCHOOL_MANAGER, tree["other_school"])
    login(outsider)
    assert client.get(f"/units/{tree['school'].id}/roster").status_code == 403
    token = csrf_token_from(client, f"/units/{tree['other_school'].id}/roster")
    response = client.post(
        f"/units/{tree['school'].id}/roster",
        data={"csrf_token": token, "kind": "students",
              "file": (io.BytesIO(xlsx([STUDENT_HEADER, HOA])), "ds.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_school_manager_cannot_import_org_units(login, manager, tree, upload_file, snapshot):
    login(manager)
    before = snapshot()
    rows = [["Mã đơn vị", "Tên đơn vị", "Loại", "Đơn vị cấp trên"],
            ["XA-MOI", "Xã Mới", "Xã", tree["province"].code]]
    response = upload_file(tree["school"], xlsx(rows), "dv.xlsx", kind="units")
    assert response.status_code == 403
    assert "Chỉ quản trị viên mới được nhập danh sách đơn vị." in response.get_data(as_text=True)
    assert snapshot() == before


def test_admin_student_file_names_schools_and_cannot_reach_another_province(
    db, run_import, admin, tree, snapshot
):
    header = ["Mã trường", *STUDENT_HEADER]
    before = snapshot()
    plan = run_import(
        xlsx([header, [tree["school"].code, *HOA],
              [tree["other_school"].code, "2", "012345678902", "Lò Thị Lan", "3B"]]),
        tree["province"], importer=admin,
    )
    assert [(p.row, p.message) for p in plan.problems] == [
        (3, f"Không tìm thấy trường có mã “{tree['other_school'].code}” trong Sở GD-ĐT Lai "
            "Châu.")
    ]
    assert snapshot() == before
    plan = run_import(xlsx([header, [tree["school"].code, *HOA]]), tree["province"],
                      importer=admin)
    assert plan.counts["new"] == 1
    assert student(db, "012345678901").memberships[0].org_unit_id == tree["class"].id


def test_admin_student_file_without_school_column_is_explained(run_import, admin, tree):
    plan = run_import(xlsx([STUDENT_HEADER, HOA]), tree["province"], importer=admin)
    assert plan.problems[0].message.startswith("Dòng tiêu đề (dòng 1) thiếu cột “Mã trường”.")


def test_staff_roles_are_read_loosely_and_reimport_adds_no_duplicates(
    db, run_import, tree, snapshot
):
    rows = [["Mã CB", "Họ tên", "Vị trí việc làm", "E-mail", "Điện thoại"],
            ["CB001", "Lò Văn Minh", "giao vien", "Minh@Truong.edu.vn", "912 345 678"],
            ["CB002", "Đỗ Thị Thanh", "Phó hiệu trưởng", "", ""],
            ["CB003", "Vàng A Sử", "Bảo vệ", "", "0987.654.321"]]
    plan = run_import(csv_text(rows).encode(), tree["school"], kind="staff")
    assert plan.problems == []
    minh = db.scalars(select(User).where(User.staff_code == "CB001")).one()
    assert (minh.email, minh.phone, minh.username) == ("minh@truong.edu.vn", "0912345678",
                                                      "cb001")
    roles = dict(db.execute(select(User.staff_code, Membership.role).join(Membership)
                            .where(User.staff_code.is_not(None))).all())
    assert roles == {"CB001": Role.TEACHER, "CB002": Role.SCHOOL_MANAGER, "CB003": Role.STAFF}
    before = snapshot()
    again = run_import(csv_text(rows).encode(), tree["school"], kind="staff")
    assert again.counts == {"new": 0, "updated": 0, "unchanged": 3}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("text", "role"),
    [("GV", Role.TEACHER), ("Giáo viên", Role.TEACHER), ("giao vien chu nhiem", Role.TEACHER),
     ("CBQL", Role.SCHOOL_MANAGER), ("Hiệu trưởng", Role.SCHOOL_MANAGER),
     ("Phó hiệu trưởng", Role.SCHOOL_MANAGER), ("Nhân viên", Role.STAFF),
     ("Bảo vệ", Role.STAFF), ("Kế toán", Role.STAFF), ("Thủ thư", Role.STAFF),
     ("Y tế", Role.STAFF), ("Ca sĩ", None)],
)
def test_job_titles_map_to_roles(text, role):
    assert parse_role(text) is role


def test_unit_kinds_and_levels_are_read_loosely():
    assert [parse_kind(t) for t in ("Sở/tỉnh", "xã/phường", "Phường", "huyện cũ", "Trường")] == [
        OrgKind.PROVINCE, OrgKind.COMMUNE, OrgKind.COMMUNE, OrgKind.LEGACY_DISTRICT,
        OrgKind.SCHOOL]
    assert [parse_level(t) for t in ("Mầm non", "tieu hoc", "THCS", "THPT", "TH và THCS",
                                     "GDTX")] == [
        SchoolLevel.PRESCHOOL, SchoolLevel.PRIMARY, SchoolLevel.LOWER_SECONDARY,
        SchoolLevel.UPPER_SECONDARY, SchoolLevel.MULTI_LEVEL, SchoolLevel.CONTINUING]


def test_admin_imports_units_parents_first_and_moves_a_school_with_its_classes(
    db, run_import, admin, tree
):
    province = tree["province"]
    header = ["Mã đơn vị", "Tên đơn vị", "Loại", "Đơn vị cấp trên", "Cấp học"]
    plan = run_import(
        xlsx([header,
              ["TH-BANHON", "Trường Tiểu học Bản Hon", "Trường", "XA-BANHON", "Tiểu học"],
              ["XA-BANHON", "Xã Bản Hon", "Xã", province.code, ""],
              [tree["school"].code, "Trường Tiểu học Tam Đường", "trường", "XA-BANHON", "TH"]]),
        province, kind="units", importer=admin,
    )
    assert plan.problems == []
    assert plan.counts == {"new": 2, "updated": 1, "unchanged": 0}
    commune = db.scalars(select(OrgUnit).where(OrgUnit.code == "XA-BANHON")).one()
    new_school = db.scalars(select(OrgUnit).where(OrgUnit.code == "TH-BANHON")).one()
    assert new_school.path == f"{commune.path}{new_school.id}/"
    db.refresh(tree["class"])
    assert tree["class"].path == f"{commune.path}{tree['school'].id}/{tree['class'].id}/"
    assert tree["class"].depth == commune.depth + 2


def test_admin_cannot_place_units_outside_the_province(db, run_import, admin, tree, snapshot):
    before = snapshot()
    plan = run_import(
        xlsx([["Mã đơn vị", "Tên đơn vị", "Loại", "Đơn vị cấp trên"],
              ["XA-LA", "Xã Lạ", "Xã", tree["other_province"].code]]),
        tree["province"], kind="units", importer=admin,
    )
    assert plan.problems[0].message == (
        f"Không tìm thấy đơn vị cấp trên “{tree['other_province'].code}” trong Sở GD-ĐT Lai "
        "Châu.")
    assert snapshot() == before


def test_template_has_the_vietnamese_headers_and_imports_back(
    db, client, login, manager, tree, run_import
):
    login(manager)
    response = client.get(f"/units/{tree['school'].id}/roster/template.xlsx?kind=students")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    assert [c.value for c in sheet[1]] == ["Mã định danh", "Họ và tên", "Lớp", "Khối"]
    plan = run_import(response.data, tree["school"])
    assert plan.counts["new"] == 1  # the example row
    assert client.get(f"/units/{tree['school'].id}/roster/template.xlsx?kind=units"
                      ).status_code == 403


def test_command_line_previews_then_commits(db, runner, tree, tmp_path):
    path = tmp_path / "2A.csv"
    path.write_bytes(csv_text([STUDENT_HEADER, *students(2)]).encode())
    args = ["lms", "import-roster", "--unit", tree["school"].code, "--kind", "students",
            str(path)]
    preview = runner.invoke(args=args)
    assert preview.exit_code == 0, preview.output
    assert "Xem trước: 2 thêm mới, 0 cập nhật, 0 không đổi." in preview.output
    assert db.scalars(select(User).where(User.student_code == "012000000001")).first() is None
    done = runner.invoke(args=[*args, "--commit"])
    assert done.exit_code == 0, done.output
    assert "Đã nhập: 2 thêm mới" in done.output
    assert student(db, "012000000001").full_name


def test_command_line_reports_problems_and_fails(runner, tree, tmp_path):
    path = tmp_path / "2A.csv"
    path.write_bytes(csv_text([STUDENT_HEADER, ["1", "12#AB", "Hoa", "2A"]]).encode())
    result = runner.invoke(args=["lms", "import-roster", "--unit", tree["school"].code,
                                 "--kind", "students", str(path), "--commit"])
    assert result.exit_code == 1
    assert re.search(r"dòng 2 Mã định danh \(B\): Mã định danh “12#AB” không hợp lệ", result.output)


def test_a_roster_larger_than_an_ordinary_form_is_accepted_up_to_its_own_limit(
    app, client, login, manager, tree, upload_file
):
    """Forms are limited to LMS_MAX_REQUEST_BYTES (256 KiB), roster files to their own limit."""
    login(manager)
    rows = [[*row, "ghi chú " + "x" * 80] for row in students(3000)]
    data = csv_text([[*STUDENT_HEADER, "Ghi chú"], *rows]).encode("utf-8")
    assert app.config["LMS_MAX_REQUEST_BYTES"] < len(data) < app.config["LMS_MAX_UPLOAD_BYTES"]
    response = upload_file(tree["school"], data, "ca-truong.csv")
    assert response.status_code == 302  # to the preview
    # Twice the roster limit is refused from its length, before anything is read.
    far_too_large = client.post(
        f"/units/{tree['school'].id}/roster",
        data=b"x" * (app.config["LMS_MAX_UPLOAD_BYTES"] * 2),
        content_type="multipart/form-data; boundary=xyz",
    )
    assert far_too_large.status_code == 413
