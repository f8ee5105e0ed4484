"""A school's certificate ZIP is a job: started by a button, followed on the job's page.

No queue here (``LMS_REDIS_URL`` unset): the job runs in the request that starts it, so the
job page is already at 100% with its download when the manager reaches it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from certification_support import download_school_zip
from pypdf import PdfReader
from sqlalchemy import func, select

from helpers import csrf_token_from, make_course, record_certificate
from lms_module.certification import jobs as certification_jobs
from lms_module.jobs.models import Job, JobFileChunk, JobStatus
from lms_module.jobs.runner import run_now
from lms_module.jobs.services import start_job
from lms_module.learning.models import Audience
from lms_module.people.models import Membership, Role

ISSUED = dt.date(2026, 10, 1)
EXPIRES = dt.date(2027, 7, 31)


def _school_with_certificates(db, make_user, tree, names=("Lò Thị Đào", "Vũ Văn Ưng")):
    course = make_course(db, "zip-hs", Audience.STUDENT, (1, 5))
    for name in names:
        record_certificate(db, make_user(Role.STUDENT, tree["class"], full_name=name), course,
                           issued=ISSUED, expires=EXPIRES)
    return course


def _texts(data: bytes) -> list[str]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return [
        PdfReader(io.BytesIO(archive.read(name))).pages[0].extract_text()
        for name in archive.namelist()
    ]


def test_the_button_starts_a_job_whose_page_reaches_the_zip(
    client, db, login, make_user, manager, tree
):
    _school_with_certificates(db, make_user, tree)
    login(manager)
    school = tree["school"].id
    token = csrf_token_from(client, f"/units/{school}/certificates")
    started = client.post(f"/units/{school}/certificates.zip", data={"csrf_token": token})
    assert started.status_code == 302
    match = re.fullmatch(r"/jobs/(\d+)", started.headers["Location"])
    assert match
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert 'value="100"' in page and "100%" in page
    assert f'href="/jobs/{match.group(1)}/file"' in page
    assert f"chung-nhan-{tree['school'].code}.zip" in page
    status = client.get(f"/jobs/{match.group(1)}/status").get_json()
    assert status["status"] == "done" and status["percent"] == 100
    download = client.get(f"/jobs/{match.group(1)}/file")
    assert download.mimetype == "application/zip"
    assert "no-store" in download.headers["Cache-Control"]
    texts = _texts(download.get_data())
    assert len(texts) == 2
    assert any("Lò Thị Đào" in text for text in texts)
    assert any("Vũ Văn Ưng" in text for text in texts)
    job = db.get(Job, int(match.group(1)))
    assert job.summary["certificates"] == 2 and job.runs == 1


def test_the_class_filter_goes_into_the_job(client, db, login, make_user, manager, tree):
    course = _school_with_certificates(db, make_user, tree)
    other_class = tree["class"].parent  # a certificate held at the school itself
    teacher = make_user(Role.TEACHER, other_class, full_name="Lường Văn Sơn")
    record_certificate(db, teacher, course, issued=ISSUED, expires=EXPIRES)
    login(manager)
    names = zipfile.ZipFile(io.BytesIO(
        download_school_zip(client, tree["school"].id, {"class": tree["class"].id})
    )).namelist()
    assert len(names) == 2


def test_a_get_shows_the_button_and_never_starts_a_job(client, db, login, manager, tree):
    login(manager)
    response = client.get(
        f"/units/{tree['school'].id}/certificates.zip", query_string={"class": tree["class"].id}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<form method="post">' in page and "Tạo tệp ZIP" in page
    assert tree["class"].name in page
    assert db.scalar(select(func.count()).select_from(Job)) == 0


def test_a_post_without_the_csrf_token_starts_nothing(client, db, login, manager, tree):
    login(manager)
    refused = client.post(f"/units/{tree['school'].id}/certificates.zip")
    assert refused.status_code == 400
    assert db.scalar(select(func.count()).select_from(Job)) == 0


def test_nobody_else_follows_the_job_or_gets_its_file(
    client, db, login, make_user, manager, tree
):
    _school_with_certificates(db, make_user, tree)
    login(manager)
    download_school_zip(client, tree["school"].id)
    job = db.scalars(select(Job)).one()
    second_manager = make_user(Role.SCHOOL_MANAGER, tree["school"], full_name="Lò Văn Hai")
    login(second_manager)
    for path in (f"/jobs/{job.id}", f"/jobs/{job.id}/status", f"/jobs/{job.id}/file"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Lò Thị Đào" not in response.get_data(as_text=True)


def test_a_zip_of_a_unit_that_vanished_fails_with_its_reason_and_writes_no_file(
    app, client, db, login, manager, tree
):
    job = start_job(db, kind="certificates.zip",
                    params={"unit_id": 987654, "filename": "x.zip", "language": "vi"},
                    user=manager, unit=None)
    db.commit()
    assert run_now(app, job.id) == "failed"
    login(manager)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Không thực hiện được:" in page
    assert "Đơn vị này không còn trong hệ thống" in page
    assert "Không có gì bị ghi dở." in page
    assert client.get(f"/jobs/{job.id}/file").status_code == 403
    assert db.scalar(select(func.count()).select_from(JobFileChunk)) == 0


def test_a_manager_who_lost_the_school_before_the_job_ran_gets_no_names(
    app, client, db, login, make_user, manager, tree
):
    _school_with_certificates(db, make_user, tree)
    login(manager)
    token = csrf_token_from(client, f"/units/{tree['school'].id}/certificates")
    job = start_job(db, kind="certificates.zip",
                    params={"unit_id": tree["school"].id, "filename": "x.zip", "language": "vi"},
                    user=manager, unit=tree["school"])
    for membership in db.scalars(select(Membership).where(Membership.user_id == manager.id)):
        membership.active = False
    db.commit()
    assert token and run_now(app, job.id) == "failed"
    db.refresh(job)
    assert job.status is JobStatus.FAILED
    assert "không còn quyền" in (job.error or "")
    assert job.result_name is None
    assert db.scalar(select(func.count()).select_from(JobFileChunk)) == 0


def test_a_zip_rendered_by_two_processes_has_the_same_bytes_as_one_rendered_in_the_job(
    app, client, db, login, make_user, manager, monkeypatch, tree
):
    _school_with_certificates(
        db, make_user, tree, names=("Lò Thị Đào", "Vũ Văn Ưng", "Giàng Seo Sính", "Đặng Thị Ỹ")
    )
    login(manager)
    monkeypatch.setattr(certification_jobs, "PARALLEL_FROM", 2)
    monkeypatch.setitem(app.config, "LMS_CERTIFICATE_RENDER_PROCESSES", 2)
    parallel = download_school_zip(client, tree["school"].id)
    monkeypatch.setitem(app.config, "LMS_CERTIFICATE_RENDER_PROCESSES", 1)
    single = download_school_zip(client, tree["school"].id)
    jobs = db.scalars(select(Job).order_by(Job.id)).all()
    assert [job.summary["processes"] for job in jobs] == [2, 1]
    assert parallel == single
    texts = _texts(parallel)
    for name in ("Lò Thị Đào", "Vũ Văn Ưng", "Giàng Seo Sính", "Đặng Thị Ỹ"):
        assert sum(name in text for text in texts) == 1, name
