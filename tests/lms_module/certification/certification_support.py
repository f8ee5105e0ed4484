"""Helpers of the certificate tests: tiny courses and completing them through the services."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from helpers import csrf_token_from
from lms_module.certification.models import Certificate
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import BlockUsage, Course
from lms_module.learning.services import (
    complete_course_if_done,
    get_course,
    record_block_completion,
)
from lms_module.people.models import User

STUDENT_COURSE = (
    '<course slug="{slug}" display_name="Em an toàn ở trường" title_en="Safe at school"'
    ' audience="student" grade_min="1" grade_max="5" validity="school_year">'
    "<chapter><sequential><vertical><html><p>Xin chào</p></html></vertical></sequential>"
    "</chapter></course>"
)
TEACHER_COURSE = (
    '<course slug="{slug}" display_name="Phòng, chống bạo lực học đường"'
    ' title_en="Preventing school violence" audience="teacher" credit_periods="10"'
    ' validity_months="24"><chapter><sequential><vertical><html><p>Nội dung</p></html>'
    "</vertical></sequential></chapter></course>"
)


def load_tiny_course(session: Session, folder: Path, template: str, slug: str) -> Course:
    """Load a one-block course from ``template`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.xml").write_text(template.format(slug=slug), encoding="utf-8")
    load_course(session, folder)
    session.flush()
    return get_course(session, slug)


def complete(session: Session, user: User, course: Course) -> Certificate | None:
    """Finish every block of ``course`` as ``user``; return the certificate issued, if any."""
    for usage_id in session.scalars(
        select(BlockUsage.usage_id).where(
            BlockUsage.course_version_id == course.current_version_id,
            BlockUsage.block_type == "html",
        )
    ):
        record_block_completion(session, user, course, usage_id, 1.0)
    completion = complete_course_if_done(session, user, course)
    assert completion is not None, "the course was not completed"
    session.flush()
    return session.scalars(
        select(Certificate).where(Certificate.completion_id == completion.id)
    ).one_or_none()


def zip_names(data: bytes) -> list[str]:
    """Return the names in a ZIP (and check its CRCs)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive.namelist()


def download_school_zip(
    client: FlaskClient, unit_id: int, query: dict[str, object] | None = None,
    **request: Any,
) -> bytes:
    """Start the school's ZIP as its manager does (the button on the certificates page), follow
    the job's page to its download link, and return the file (no queue: the job ran in the
    request)."""
    url = f"/units/{unit_id}/certificates.zip"
    token = csrf_token_from(client, f"/units/{unit_id}/certificates")
    started = client.post(url, query_string=query or {}, data={"csrf_token": token}, **request)
    assert started.status_code == 302, started.status_code
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/jobs/\d+/file)"', page)
    assert link, "the job page offers no download"
    return client.get(link.group(1)).get_data()
