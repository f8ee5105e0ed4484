"""A province's report exports and the full rollup refresh run as jobs with a progress page.

No queue here (``LMS_REDIS_URL`` unset): the job runs in the request that starts it, so its
page is at 100% with the download when the reviewer reaches it.
"""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from sqlalchemy import func, select

from helpers import csrf_token_from
from lms_module.jobs.models import Job, JobStatus


def _jobs(db) -> int:
    return db.scalar(select(func.count()).select_from(Job))


def test_a_provinces_workbook_is_made_by_a_job_and_downloaded_from_its_page(db, small, login):
    client = login(small.users["reviewer"])
    province = small.units["province"].id
    dashboard = client.get(f"/units/{province}/coverage").get_data(as_text=True)
    button = f'<form method="post" action="/units/{province}/coverage/report.xlsx'
    assert button in dashboard
    assert f'href="/units/{province}/coverage/report.csv' in dashboard  # CSV: at once
    token = csrf_token_from(client, f"/units/{province}/coverage")
    started = client.post(f"/units/{province}/coverage/report.xlsx", data={"csrf_token": token})
    assert started.status_code == 302
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "100%" in page and "Báo cáo độ bao phủ" in page
    link = re.search(r'href="(/jobs/\d+/file)"', page)
    assert link
    download = client.get(link.group(1))
    assert download.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(download.data))
    assert workbook.sheetnames == ["Chỉ tiêu", "Đơn vị trực thuộc", "Trường"]
    job = db.scalars(select(Job)).one()
    assert job.kind == "coverage.export" and job.status is JobStatus.DONE
    code, year = small.units["province"].code, job.params["school_year"]
    assert job.result_name == f"bao-cao-bao-phu-{code}-{year}.xlsx"


def test_a_get_of_a_provinces_pdf_shows_the_button_and_starts_nothing(db, small, login):
    client = login(small.users["reviewer"])
    response = client.get(f"/units/{small.units['province'].id}/coverage/report.pdf")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Tạo báo cáo" in response.get_data(as_text=True)
    assert _jobs(db) == 0


def test_a_schools_workbook_still_downloads_at_once(db, small, login):
    client = login(small.users["m1"])
    response = client.get(f"/units/{small.units['primary'].id}/coverage/report.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert _jobs(db) == 0


def test_an_admin_starts_the_full_refresh_and_follows_it(db, small, login):
    client = login(small.users["admin"])
    province = small.units["province"].id
    assert "Tính lại toàn bộ số liệu độ bao phủ" in client.get(
        f"/units/{province}/coverage").get_data(as_text=True)
    token = csrf_token_from(client, f"/units/{province}/coverage")
    started = client.post("/coverage/refresh", data={"csrf_token": token})
    assert started.status_code == 302
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "Tính lại độ bao phủ" in page and "Đã xong." in page
    job = db.scalars(select(Job)).one()
    assert job.key == "coverage.refresh" and job.status is JobStatus.DONE
    assert job.summary["groups"] > 0


def test_only_an_admin_may_start_the_refresh(db, small, login):
    client = login(small.users["reviewer"])
    province = small.units["province"].id
    assert "Tính lại toàn bộ" not in client.get(
        f"/units/{province}/coverage").get_data(as_text=True)
    token = csrf_token_from(client, f"/units/{province}/coverage")
    assert client.post("/coverage/refresh", data={"csrf_token": token}).status_code == 403
    assert client.get("/coverage/refresh").status_code == 405
    assert _jobs(db) == 0
