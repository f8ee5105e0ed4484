"""A school manager starts the school's certificate ZIP, watches the progress bar reach the
download, and gets a ZIP of the school's certificates: a real Redis queue, a real ``lms worker``
on the live server's database, the job page's script polling the status."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from browser_support import sign_in
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from helpers import make_course, record_certificate
from lms_module.db import db_session
from lms_module.learning.models import Audience
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Membership, Role, User

MANAGER = "ql.thtp"
CERTIFICATES = 12


def _certify_students(app: Flask) -> tuple[int, set[str]]:
    """Give CERTIFICATES students of the manager's school a certificate; return the school's
    id and the serials of all its certificates."""
    from lms_module.certification.services import unit_certificates_query

    with app.app_context():
        session = db_session()
        manager = session.scalars(select(User).where(User.username == MANAGER)).one()
        school = next(m.org_unit for m in manager.memberships
                      if m.role is Role.SCHOOL_MANAGER)
        students = session.scalars(
            select(User).join(Membership, Membership.user_id == User.id)
            .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
            .where(Membership.role == Role.STUDENT, OrgUnit.kind == OrgKind.CLASS,
                   OrgUnit.parent_id == school.id)
            .order_by(User.id).limit(CERTIFICATES)
        ).all()
        assert len(students) == CERTIFICATES
        course = make_course(session, "zip-trinh-duyet", Audience.STUDENT, (1, 12))
        for student in students:
            record_certificate(session, student, course, issued=dt.date(2026, 10, 1),
                               expires=dt.date(2027, 7, 31))
        session.commit()
        serials = {
            c.serial for c in session.scalars(
                unit_certificates_query(school, include_revoked=False))
        }
        return school.id, serials


def _slug(serial: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", serial.lower()).strip("-")


def test_a_manager_watches_the_zip_job_reach_its_download(
    app: Flask, page: Page, queue_worker: Callable[[], None], tmp_path: Path
) -> None:
    school_id, serials = _certify_students(app)
    sign_in(page, MANAGER)
    page.goto(f"/units/{school_id}/certificates")
    page.get_by_role("button", name="Tải tất cả giấy chứng nhận đang lọc (ZIP)").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    job = page.locator("#job")
    # No worker yet: the job waits in the queue, the bar at 0, no download offered.
    expect(job).to_have_attribute("data-status", "queued")
    expect(page.locator("#job-progress")).to_have_js_property("value", 0)
    download_link = page.locator("[data-job-file]")
    expect(download_link).to_be_hidden()

    queue_worker()
    expect(download_link).to_be_visible(timeout=60_000)
    expect(job).to_have_attribute("data-status", "done")
    expect(page.locator("#job-progress")).to_have_js_property("value", 100)
    expect(page.locator("[data-job-percent]")).to_have_text("100%")

    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert download.suggested_filename.startswith("chung-nhan-")
    data = Path(download.path()).read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == len(serials) >= CERTIFICATES
    found = {name.split("/")[-1].split("_")[0] for name in names}
    assert found == {_slug(serial) for serial in serials}
