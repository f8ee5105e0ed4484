"""The demo's families: linked online, met at a parents' meeting, or not reached yet."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from helpers import sign_in
from lms_module.coverage.figures import target_report
from lms_module.demo.services import DEMO_PASSWORD
from lms_module.families.models import ConsentAnswer, ConsentRecord, ParentLink
from lms_module.families.services import children_of
from lms_module.in_person.models import InPersonAttendance
from lms_module.learning.models import Audience
from lms_module.obligations.models import CoverageTarget
from lms_module.orgs.services import unit_by_code
from lms_module.people.services import user_by_username

TODAY = dt.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def test_the_demo_families_target_counts_online_and_meeting_families(runner, db, make_app):
    result = runner.invoke(args=["lms", "demo"])
    assert result.exit_code == 0, result.output
    assert "ph.thtp" in result.output
    target = db.scalar(select(CoverageTarget).where(CoverageTarget.audience == Audience.PARENT))
    assert target is not None and target.percent == 95
    school = unit_by_code(db, "DEMO-TH-TP")
    report = target_report(db, target, school, TODAY)
    # 60 children, two of them siblings of the demo parent: 59 families. Covered: 5 + 4
    # parents who finished the course online, 9 families at the grade-3 parents' meeting.
    assert (report.figures.population, report.figures.covered) == (59, 18)
    assert db.scalar(select(func.count()).select_from(InPersonAttendance)) == 9
    assert db.scalar(select(func.count()).select_from(ConsentRecord).where(
        ConsentRecord.answer == ConsentAnswer.REFUSED)) == 2
    parent = user_by_username(db, "ph.thtp")
    assert [child.username for child in children_of(db, parent)] == ["hs.thtp.2", "hs.thtp.4"]
    client = make_app().test_client()
    assert sign_in(client, "ph.thtp", DEMO_PASSWORD).status_code == 302
    links = db.scalar(select(func.count()).select_from(ParentLink))
    again = runner.invoke(args=["lms", "demo"])
    assert again.exit_code == 0, again.output
    assert db.scalar(select(func.count()).select_from(ParentLink)) == links
