"""Fixtures for the learning tests: the sample course loaded, learners, handler calls."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from learning_support import SLUG, UNITS, StubUrls
from sqlalchemy.orm import Session

from courses.content import SAMPLE_COURSE
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Course
from lms_module.learning.services import get_course
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role, User

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@pytest.fixture
def urls() -> StubUrls:
    return StubUrls()


@pytest.fixture
def sample_course(db: Session) -> Course:
    load_course(db, SAMPLE_COURSE)
    db.flush()
    return get_course(db, SLUG)


@pytest.fixture
def student(make_user: Callable[..., User], tree: dict[str, OrgUnit]) -> User:
    """A grade-2 student: the sample course (grades 1-2) is theirs."""
    return make_user(Role.STUDENT, tree["class"], username="hs.lan", full_name="Trần Thị Lan")


@pytest.fixture
def call_handler(client: FlaskClient) -> Callable[..., Any]:
    """POST to a block handler as the browser's runtime does (JSON, CSRF header)."""

    def call(
        usage_id: str,
        handler_name: str,
        payload: Any,
        *,
        csrf: bool = True,
        raw: bytes | None = None,
    ) -> Any:
        headers = {"Content-Type": "application/json"}
        if csrf:
            page = client.get(f"/courses/{SLUG}/units/{UNITS[0]}").get_data(as_text=True)
            match = CSRF_META.search(page)
            assert match, "the unit page carries no CSRF token"
            headers["X-CSRFToken"] = match.group(1)
        body = raw if raw is not None else json.dumps(payload).encode()
        return client.post(f"/xblock/{usage_id}/handler/{handler_name}", data=body, headers=headers)

    return call
