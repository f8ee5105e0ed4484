"""The demo command builds a realistic province and prints working sign-ins."""

from __future__ import annotations

from sqlalchemy import func, select

from helpers import sign_in
from lms_module.demo.services import DEMO_PASSWORD
from lms_module.orgs.models import OrgKind, OrgUnit, SchoolLevel
from lms_module.people.models import Membership, Role


def test_demo_builds_every_school_level_and_prints_logins(runner, db, client):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_PASSWORD in result.output
    for username in ["so.laichau", "ql.thtp", "gv1.thtp", "hs.thtp.2"]:
        assert username in result.output
    levels = set(db.scalars(select(OrgUnit.school_level).where(OrgUnit.kind == OrgKind.SCHOOL)))
    assert levels == set(SchoolLevel) - {None}
    assert db.scalar(select(func.count()).where(OrgUnit.kind == OrgKind.LEGACY_DISTRICT)) == 1
    students = db.scalar(
        select(func.count()).select_from(Membership).where(Membership.role == Role.STUDENT)
    )
    assert 200 <= students <= 500
    thpt = db.scalars(
        select(OrgUnit).where(OrgUnit.school_level == SchoolLevel.UPPER_SECONDARY)
    ).one()
    assert thpt.parent is not None and thpt.parent.kind is OrgKind.PROVINCE
    assert sign_in(client, "hs.thtp.2", DEMO_PASSWORD).status_code == 302


def test_running_the_demo_twice_changes_nothing(runner, db):
    runner.invoke(args=["lms", "demo"])
    count = db.scalar(select(func.count()).select_from(OrgUnit))
    second = runner.invoke(args=["lms", "demo"])
    assert second.exit_code == 0
    assert db.scalar(select(func.count()).select_from(OrgUnit)) == count
