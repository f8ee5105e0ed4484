"""A province's roster: larger files than a school's, checked and imported as jobs with a
progress page; a failed import writes nothing, also on a real queue and worker."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from flask import Flask
from queue_support import start_worker, stop, wait_for_job
from roster_files import csv_text
from sqlalchemy import func, select, text

from helpers import PASSWORD, SCHOOL_YEAR, sign_in
from lms_module.coverage.invalidation import write_marks
from lms_module.coverage.models import CoverageDirtyUnit
from lms_module.jobs.models import Job, JobStatus
from lms_module.jobs.services import enqueue, start_job
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.orgs.services import create_unit
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import add_membership, create_user, set_password
from lms_module.roster.models import RosterKind, RosterUpload, UploadStatus
from lms_module.roster.uploads import store_upload

PROVINCE_HEADER = ["STT", "Mã trường", "Mã định danh", "Họ và tên", "Lớp", "Khối"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Linh", "Minh", "Ngọc"]


def page_text(response: Any) -> str:
    """The page's text without tags, entities decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
                    .split())


def province_rows(school_code: str, count: int) -> list[list[object]]:
    """``count`` children of one primary school, in classes 1A-5C (codes 01000000NN)."""
    rows: list[list[object]] = []
    for n in range(1, count + 1):
        grade = 1 + n % 5
        rows.append([n, school_code, f"01{n:08d}", f"Lò Văn {GIVEN[n % 10]}",
                     f"{grade}{'ABC'[n % 3]}", grade])
    return rows


def test_a_province_file_above_a_schools_limit_is_checked_and_imported_as_jobs(
    app, client, login, admin, tree, upload_file, db
):
    """5,001 rows: refused at a school (5,000 at most), accepted for the province."""
    data = csv_text([PROVINCE_HEADER, *province_rows(tree["school"].code, 5001)]).encode()
    login(admin)

    at_school = upload_file(tree["school"], data, "ca-tinh.csv")
    assert "Tệp có quá nhiều dòng (tối đa 5000 dòng mỗi lần)" in page_text(at_school)

    checked = upload_file(tree["province"], data, "ca-tinh.csv")
    assert checked.status_code == 302
    preview_job = re.fullmatch(r"/jobs/(\d+)", checked.headers["Location"])
    assert preview_job is not None
    state = client.get(f"/jobs/{preview_job.group(1)}/status").get_json()
    assert state["status"] == "done"
    preview = client.get(state["next_url"])
    assert "5001 thêm mới" in page_text(preview)
    assert db.scalar(select(func.count()).select_from(User).where(
        User.student_code.like("01%"))) == 0  # a preview writes nothing

    upload = db.scalars(select(RosterUpload).where(
        RosterUpload.org_unit_id == tree["province"].id)).one()
    token = re.search(r'name="csrf_token" value="([^"]+)"', preview.get_data(as_text=True))
    assert token is not None
    confirmed = client.post(
        f"/units/{tree['province'].id}/roster/{upload.id}/confirm",
        data={"csrf_token": token.group(1)},
    )
    # The import's progress page, then its result.
    job_page = client.get(confirmed.headers["Location"])
    text_of_page = page_text(job_page)
    assert "Nhập danh sách" in text_of_page and "Đã xong." in text_of_page
    assert re.search(r'<progress id="job-progress" max="100" value="100">',
                     job_page.get_data(as_text=True))
    result_url = client.get(confirmed.headers["Location"] + "/status").get_json()["next_url"]
    result = page_text(client.get(result_url))
    assert "5001 thêm mới" in result and "14 lớp mới được tạo" in result  # 2A was there
    assert db.scalar(select(func.count()).select_from(Membership).join(User).where(
        User.student_code.like("01%"), Membership.active.is_(True))) == 5001
    db.expire_all()
    assert db.get_one(RosterUpload, upload.id).status is UploadStatus.IMPORTED


def test_the_command_line_prints_the_import_progress(db, runner, tree, tmp_path):
    path = tmp_path / "ca-tinh.csv"
    path.write_bytes(
        csv_text([PROVINCE_HEADER, *province_rows(tree["school"].code, 30)]).encode())
    result = runner.invoke(args=["lms", "import-roster", "--unit", tree["province"].code,
                                 "--kind", "students", str(path), "--commit"])
    assert result.exit_code == 0, result.output
    assert "[100%] Đang kiểm tra các dòng: 30/30" in result.output
    assert "[100%] Đang ghi vào cơ sở dữ liệu: 30/30" in result.output
    assert "Đã nhập: 30 thêm mới" in result.output
    # The bulk INSERTs marked the new classes for the coverage rollup, as any write does.
    write_marks(db)
    new_classes = set(db.scalars(select(OrgUnit.id).where(
        OrgUnit.parent_id == tree["school"].id, OrgUnit.name != "2A")))
    assert len(new_classes) == 14
    assert new_classes <= set(db.scalars(select(CoverageDirtyUnit.unit_id)))


def _refuse_row(app: Flask, code: str) -> None:
    """Make the database refuse the child with ``code`` (as a constraint would), mid-way."""
    engine = app.extensions["lms"].engine
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(
                "CREATE FUNCTION refuse_row() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.student_code = '{code}' THEN "
                "RAISE EXCEPTION 'refused' USING ERRCODE = '23514'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"))
            connection.execute(text(
                "CREATE TRIGGER refuse_row BEFORE INSERT ON lms_user "
                "FOR EACH ROW EXECUTE FUNCTION refuse_row()"))
        else:
            connection.execute(text(
                f"CREATE TRIGGER refuse_row BEFORE INSERT ON lms_user WHEN NEW.student_code = "
                f"'{code}' BEGIN SELECT RAISE(ABORT, 'refused'); END"))


def test_a_failed_province_import_writes_nothing(queue_app: Flask, tmp_path: Path) -> None:
    factory = queue_app.extensions["lms"].session_factory
    with queue_app.test_request_context("/"), factory() as session:
        province = create_unit(session, kind=OrgKind.PROVINCE, code="LC", name="Sở Lai Châu")
        commune = create_unit(session, kind=OrgKind.COMMUNE, code="LC-TD", name="Xã Tam Đường",
                              parent=province)
        school = create_unit(session, kind=OrgKind.SCHOOL, code="LC-TD-TH",
                             name="Trường Tiểu học Tam Đường", parent=commune,
                             school_level=SchoolLevel.PRIMARY)
        admin = create_user(session, username="admin.laichau", full_name="Quản Trị")
        set_password(admin, PASSWORD)
        session.flush()
        add_membership(session, admin, province, Role.ADMIN)
        data = csv_text([PROVINCE_HEADER, *province_rows(school.code, 2000)]).encode()
        upload = store_upload(session, uploader=admin, unit=province, kind=RosterKind.STUDENTS,
                              filename="ca-tinh.csv", data=data)
        job = start_job(session, kind="roster.import", user=admin, unit=province,
                        params={"upload_id": upload.id, "school_year": SCHOOL_YEAR})
        session.commit()
        job_id, upload_id, province_id = job.id, upload.id, province.id
        _refuse_row(queue_app, "0100001500")
        enqueue(job, queue_app)

    worker = start_worker(queue_app, tmp_path / "worker.log", burst=True)
    try:
        finished = wait_for_job(queue_app, job_id)
    finally:
        stop(worker)
    assert finished.status is JobStatus.FAILED, (tmp_path / "worker.log").read_text()
    assert finished.error is not None and "nên chưa nhập gì" in finished.error

    with factory() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1  # the admin
        assert session.scalar(select(func.count()).select_from(Membership)) == 1
        assert session.scalar(select(func.count()).select_from(OrgUnit).where(
            OrgUnit.kind == OrgKind.CLASS)) == 0
        assert session.get_one(RosterUpload, upload_id).status is UploadStatus.PENDING
        assert session.get_one(Job, job_id).org_unit_id == province_id

    client = queue_app.test_client()
    assert sign_in(client, "admin.laichau").status_code == 302
    page = page_text(client.get(f"/jobs/{job_id}"))
    assert "Không thực hiện được:" in page
    assert "Cơ sở dữ liệu từ chối một dòng trong lúc ghi" in page
