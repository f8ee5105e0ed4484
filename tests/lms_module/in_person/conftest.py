"""Fixtures of the in-person tests: the school (``in_person_support``) and table counts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from in_person_support import World, build_world, count
from sqlalchemy.orm import Session

from lms_module.audit.models import AuditEvent
from lms_module.certification.models import Certificate
from lms_module.families.models import ParentLink
from lms_module.in_person.models import InPersonAttendance, InPersonSession
from lms_module.learning.models import Completion
from lms_module.people.models import User


@pytest.fixture
def world(db: Session) -> World:
    return build_world(db)


@pytest.fixture
def snapshot(db: Session) -> Callable[[], dict[str, int]]:
    """The counts of every table a session writes, to show that a refusal wrote nothing."""

    def take() -> dict[str, int]:
        db.expire_all()
        return {
            model.__name__: count(db, model)
            for model in (InPersonSession, InPersonAttendance, Completion, Certificate, User,
                          ParentLink)
        } | {"events": count(db, AuditEvent, AuditEvent.action.like("in_person%"))}

    return take
