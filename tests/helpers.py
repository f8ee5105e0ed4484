"""Helpers shared by tests: sign-in through the real form, CSRF tokens, opening a unit."""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import itertools
import re
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from lms_module import create_app
from lms_module.certification.models import Certificate
from lms_module.core.limiter import limiter
from lms_module.db import Base, utcnow
from lms_module.learning.models import Audience, Completion, Course, CourseVersion
from lms_module.migrate import VERSION_TABLE, upgrade_database
from lms_module.people.models import User
from lms_module.people.services import password_hash

PASSWORD = "mat-khau-thu-nghiem"


@functools.cache
def hashed(password: str) -> str:
    """The real stored form of ``password`` (people.services.password_hash), computed once per
    test session: scrypt takes a tenth of a second, and the tests make thousands of users."""
    return password_hash(password)
SCHOOL_YEAR = "2026-2027"

CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
VIEWED_URL = re.compile(r'data-viewed-url="([^"]+)"')


def csrf_token_from(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return the CSRF token its form carries."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    """Sign in through the login form, as a browser would."""
    token = csrf_token_from(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )


#: A course's files (OLX, static files) by path from ``course.xml``'s folder.
CourseFiles = dict[str, str | bytes]


def write_course(folder: Path, files: CourseFiles) -> Path:
    """Write a course's files into ``folder`` (made as needed) and return it."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def course_archive(files: CourseFiles) -> bytes:
    """Return the course as a ``.tar.gz`` with one top folder, as Studio's Export makes it."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            data = content if isinstance(content, bytes) else content.encode()
            info = tarfile.TarInfo(f"course/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def upload_course(client: FlaskClient, data: bytes, filename: str = "khoa-hoc.tar.gz") -> Any:
    """Upload a course archive on the authors' page (/admin/courses), as a browser would."""
    token = csrf_token_from(client, "/admin/courses")
    return client.post(
        "/admin/courses",
        data={"csrf_token": token, "archive": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def open_unit(client: FlaskClient, slug: str, usage_id: str) -> Any:
    """Open a course unit as the browser does and return the page's response.

    The page is a GET that writes nothing; its script then posts to the URL the page names
    (``data-viewed-url``, CSRF token in ``X-CSRFToken``) to record the view.
    """
    page = client.get(f"/courses/{slug}/units/{usage_id}")
    assert page.status_code == 200, page.get_data(as_text=True)
    body = page.get_data(as_text=True)
    viewed, token = VIEWED_URL.search(body), CSRF_META.search(body)
    assert viewed and token, "the unit page names no view URL or CSRF token"
    answer = client.post(html.unescape(viewed.group(1)), headers={"X-CSRFToken": token.group(1)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return page


@contextmanager
def rolled_back_session(app: Flask) -> Iterator[Session]:
    """Give a session whose work, and whatever the app's views commit meanwhile, is rolled back
    at the end (the views' sessions join one outer transaction through savepoints)."""
    state = app.extensions["lms"]
    original_factory = state.session_factory
    connection = state.engine.connect()
    transaction = connection.begin()
    state.session_factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    session = state.session_factory()
    limiter.reset()
    try:
        yield session
    finally:
        session.close()
        state.session_factory = original_factory
        transaction.rollback()
        connection.close()


def reset_schema(app: Flask) -> None:
    """Drop every table of the module and migrate from scratch."""
    engine = app.extensions["lms"].engine
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
    upgrade_database(engine)


def make_test_app(database_url: str, **overrides: Any) -> Flask:
    """Build the standalone app configured for tests."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "LMS_DATABASE_URL": database_url,
        "LMS_SECURE_COOKIES": False,
        "LMS_LOGIN_RATE_LIMIT": "1000 per minute",
        "LMS_LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "LMS_PUBLIC_BASE_URL": "http://localhost",
        "LMS_SCHOOL_YEAR": SCHOOL_YEAR,
        **overrides,
    }
    return create_app(config)


def make_course(session: Session, slug: str, audience: Audience,
                grades: tuple[int, int] | None = None) -> Course:
    """Add a course with one loaded version (no blocks): enough for coverage and statuses."""
    course = Course(slug=slug, title_vi=f"Khóa {slug}", audience=audience,
                    grade_min=grades[0] if grades else None,
                    grade_max=grades[1] if grades else None, validity_months=12)
    session.add(course)
    session.flush()
    version = CourseVersion(course_id=course.id, number=1, olx_hash=slug.ljust(64, "0"),
                            root_usage_id=f"block-v1:{slug}+type@course+block@root")
    session.add(version)
    session.flush()
    course.current_version_id = version.id
    session.flush()
    return course


#: Numbers of the certificates recorded directly: far above those a test issues through the
#: school's sequence (which starts at 1), so the two never take the same number.
_certificate_numbers = itertools.count(50001)


def record_certificate(session: Session, user: User, course: Course, *, issued: dt.date,
                       expires: dt.date | None, revoked: bool = False) -> Certificate:
    """Record a completion and its certificate directly (the issuing rules are not under test),
    held at the user's first membership's unit."""
    assert course.current_version_id is not None
    completion = Completion(user_id=user.id, course_version_id=course.current_version_id,
                            score=1.0)
    session.add(completion)
    session.flush()
    number = next(_certificate_numbers)
    unit = next(m.org_unit for m in user.memberships)
    certificate = Certificate(
        serial=f"{number:05d}/2026/CN-T", code=f"T{number:016d}", org_unit_id=unit.id,
        year=issued.year, number=number, user_id=user.id, completion_id=completion.id,
        course_id=course.id, course_version_id=course.current_version_id, holder_unit_id=unit.id,
        issued_on=issued, expires_on=expires, holder_name=user.full_name,
        holder_is_student=course.audience is Audience.STUDENT, holder_unit_name=unit.name,
        issuing_unit_name=unit.name, parent_unit_name="", place="Lai Châu", signer_title="HT",
        course_title_vi=course.title_vi,
        revoked_at=utcnow() if revoked else None,
        revoked_reason="Sai thông tin" if revoked else None,
    )
    session.add(certificate)
    session.flush()
    return certificate
