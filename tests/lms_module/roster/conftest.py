"""Fixtures for roster imports: the people who import, counting what the database holds."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from helpers import SCHOOL_YEAR, csrf_token_from
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Membership, Role, User
from lms_module.roster.importing import apply_roster, plan_roster
from lms_module.roster.models import RosterKind, RosterUpload
from lms_module.roster.plan import RosterPlan


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    """Services speak Vietnamese through Babel, which needs a (request) context."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def manager(make_user: Callable[..., User], tree: dict[str, OrgUnit]) -> User:
    return make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.tamduong")


@pytest.fixture
def admin(make_user: Callable[..., User], tree: dict[str, OrgUnit]) -> User:
    return make_user(Role.ADMIN, tree["province"], username="admin.laichau")


@pytest.fixture
def snapshot(db: Session) -> Callable[[], dict[str, int]]:
    """Count what an import could write."""

    def count() -> dict[str, int]:
        return {
            "users": db.scalar(select(func.count()).select_from(User)) or 0,
            "memberships": db.scalar(select(func.count()).select_from(Membership)) or 0,
            "active_memberships": db.scalar(
                select(func.count()).select_from(Membership).where(Membership.active.is_(True))
            ) or 0,
            "units": db.scalar(select(func.count()).select_from(OrgUnit)) or 0,
            "uploads": db.scalar(select(func.count()).select_from(RosterUpload)) or 0,
        }

    return count


@pytest.fixture
def run_import(db: Session, request_context: None) -> Callable[..., RosterPlan]:
    """Plan a file with the services (as the CLI does) and apply it when it has no problem."""

    def run(
        data: bytes,
        scope: OrgUnit,
        *,
        kind: str = "students",
        importer: User | None = None,
        filename: str = "danh-sach.xlsx",
        max_bytes: int = 5 * 1024 * 1024,
        max_rows: int = 5000,
        apply: bool = True,
    ) -> RosterPlan:
        plan = plan_roster(
            db, data=data, filename=filename, kind=RosterKind(kind), scope=scope,
            importer=importer, school_year=SCHOOL_YEAR, max_bytes=max_bytes, max_rows=max_rows,
        )
        if apply and plan.ok:
            apply_roster(db, plan, actor_id=importer.id if importer else None)
            db.flush()
        return plan

    return run


@pytest.fixture
def upload_file(client: FlaskClient) -> Callable[..., Any]:
    """Upload a file through the form, with the page's CSRF token, as a browser does."""

    def upload(unit: OrgUnit, data: bytes, filename: str, kind: str = "students") -> Any:
        path = f"/units/{unit.id}/roster"
        token = csrf_token_from(client, path)
        return client.post(
            path,
            data={"csrf_token": token, "kind": kind, "file": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
        )

    return upload
