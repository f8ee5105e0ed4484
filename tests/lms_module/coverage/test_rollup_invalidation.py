"""Every write that changes who is covered reaches the rollup, whatever API it uses.

The figures are read incrementally (only the units marked dirty are recomputed); after each
kind of write they must equal a full rebuild, and a certificate issued on completion counts on
the dashboard at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from coverage_support import PASSWORD, TODAY, SmallTree
from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from courses.content import SAMPLE_COURSE
from helpers import SCHOOL_YEAR, open_unit, sign_in
from lms_module.certification.models import Certificate
from lms_module.certification.services import reissue_certificate, revoke_certificate
from lms_module.coverage.figures import Figures, ReportScope, subtree_figures
from lms_module.coverage.invalidation import MARKED, UntrackedCoverageWriteError
from lms_module.coverage.models import (
    CoverageDirtyUnit,
    CoverageOverlap,
    CoverageProvinceRollup,
    CoverageRollup,
    CoverageSchoolRollup,
)
from lms_module.coverage.rollup import ensure_rollups, refresh_all
from lms_module.db import utcnow
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Audience, BlockUsage, Course
from lms_module.learning.services import (
    complete_course_if_done,
    get_course,
    record_block_completion,
    record_grade,
)
from lms_module.people.models import Membership
from lms_module.people.services import set_password
from lms_module.roster.importing import apply_roster, plan_roster
from lms_module.roster.models import RosterKind
from lms_module.xblock_runtime.ids import BlockKey

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SAMPLE = "em-an-toan-lop-1-2"
ADULT_AUDIENCES = (Audience.TEACHER, Audience.STAFF, Audience.MANAGER)


def _keys(small: SmallTree) -> list[tuple[int, str, Audience]]:
    return [(small.student_requirement.id, SCHOOL_YEAR, Audience.STUDENT)] + [
        (small.adult_requirement.id, SCHOOL_YEAR, audience) for audience in ADULT_AUDIENCES
    ]


def _rollup_rows(db: Session) -> set[tuple[object, ...]]:
    rows = set()
    for table in (CoverageRollup, CoverageSchoolRollup, CoverageProvinceRollup,
                  CoverageOverlap):
        columns = [c for c in table.__table__.columns if c.name != "id"]
        rows |= {(table.__tablename__, *row) for row in db.execute(select(*columns))}
    return rows


def _students(db: Session, small: SmallTree, key: str) -> Figures:
    ensure_rollups(db, _keys(small), TODAY)
    scope = ReportScope(small.student_requirement.id, SCHOOL_YEAR, Audience.STUDENT, None)
    return subtree_figures(db, small.units[key], scope)


def _sample_course_in_the_requirement(db: Session, small: SmallTree) -> Course:
    """The grade 1-2 sample course, which the students' requirement accepts."""
    load_course(db, SAMPLE_COURSE)
    db.flush()
    course = get_course(db, SAMPLE)
    small.student_requirement.courses.append(course)
    db.flush()
    return course


# ---------------------------------------------------------------------------- (a) the browser


def test_a_course_completed_through_the_handlers_counts_on_the_dashboard_at_once(
    app: Flask, db: Session, small: SmallTree
):
    _sample_course_in_the_requirement(db, small)
    learner = small.users["a4"]  # 2A, no certificate yet
    set_password(learner, PASSWORD)
    db.flush()
    reviewer = app.test_client()
    assert sign_in(reviewer, small.users["reviewer"].username).status_code == 302
    dashboard = f"/units/{small.units['province'].id}/coverage"
    assert "7/12" in reviewer.get(dashboard).get_data(as_text=True)  # the rollup is built

    browser = app.test_client()
    assert sign_in(browser, learner.username).status_code == 302
    units = [BlockKey(SAMPLE, "vertical", name).usage_id for name in (
        "u1_quy_tac_dong_quan_ao", "u2_bi_mat", "u3_cau_hoi", "u4_suy_nghi")]
    token = ""
    for unit in units:
        page = open_unit(browser, SAMPLE, unit)
        token = CSRF_META.search(page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]

    def call(block: str, name: str, handler: str, payload: object) -> dict[str, object]:
        response = browser.post(
            f"/xblock/{BlockKey(SAMPLE, block, name).usage_id}/handler/{handler}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": token},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    call("scenario", "sc1_bi_mat", "choose", {"step": "s1", "choice": "a"})
    call("scenario", "sc1_bi_mat", "choose", {"step": "s2", "choice": "c"})
    call("reflection", "r1_nguoi_lon", "save_answer", {"answer": "Mẹ và cô giáo"})
    answers = {"q1": ["a"], "q2": ["a", "b", "c"], "q3": ["false"]}
    assert call("quiz", "q1_on_tap", "submit", {"answers": answers})["passed"] is True

    certificate = db.scalars(select(Certificate).where(Certificate.user_id == learner.id)).one()
    assert certificate.revoked_at is None
    html = reviewer.get(dashboard).get_data(as_text=True)
    assert "8/12" in html and "còn cần đào tạo: 4" in html  # no coverage-refresh in between


# ---------------------------------------------------------------------------- (b) each write


def _issue_on_completion(db: Session, small: SmallTree, _app: Flask) -> None:
    course = _sample_course_in_the_requirement(db, small)
    learner = small.users["a4"]
    for usage_id in db.scalars(select(BlockUsage.usage_id).where(
        BlockUsage.course_version_id == course.current_version_id,
        BlockUsage.completion_mode == "completable",
    )):
        record_block_completion(db, learner, course, usage_id, 1.0)
    quiz = BlockKey(SAMPLE, "quiz", "q1_on_tap").usage_id
    record_grade(db, learner, course, quiz, 3.0, 3.0)
    assert complete_course_if_done(db, learner, course) is not None
    db.flush()


def _certificate_of(db: Session, small: SmallTree, key: str) -> Certificate:
    return db.scalars(select(Certificate).where(
        Certificate.user_id == small.users[key].id, Certificate.revoked_at.is_(None))).one()


def _reissue(db: Session, small: SmallTree, _app: Flask) -> None:
    reissue_certificate(db, _certificate_of(db, small, "a1"), actor=small.users["admin"],
                        today=TODAY)
    db.flush()


def _revoke(db: Session, small: SmallTree, _app: Flask) -> None:
    revoke_certificate(db, _certificate_of(db, small, "a2"), actor=small.users["admin"],
                       reason="Cấp nhầm người")


def _revoke_in_bulk(db: Session, small: SmallTree, _app: Flask) -> None:
    """A Core UPDATE of certificates, no ORM object involved."""
    db.execute(update(Certificate).where(Certificate.user_id.in_(
        [small.users["a2"].id, small.users["f2"].id])).values(
        revoked_at=utcnow(), revoked_reason="Cấp nhầm đợt"))


def _import(db: Session, app: Flask, small: SmallTree, rows: list[list[str]]) -> None:
    data = "\n".join(",".join(row) for row in [["Mã định danh", "Họ và tên", "Lớp"], *rows])
    with app.test_request_context("/"):
        plan = plan_roster(
            db, data=data.encode(), filename="ds.csv", kind=RosterKind.STUDENTS,
            scope=small.units["primary"], importer=small.users["m1"], school_year=SCHOOL_YEAR,
            max_bytes=1 << 20, max_rows=100,
        )
        assert plan.ok, [p.message for p in plan.problems]
        apply_roster(db, plan, actor_id=small.users["m1"].id)


def _import_a_new_student(db: Session, small: SmallTree, app: Flask) -> None:
    _import(db, app, small, [["012300000001", "Lò Văn Mới", "2A"]])


def _import_a_student_into_another_class(db: Session, small: SmallTree, app: Flask) -> None:
    """b3 (3A, covered) moves to 2A: the import deactivates the 3A membership."""
    small.users["b3"].student_code = "012300000033"
    db.flush()
    _import(db, app, small, [["012300000033", "Đèo Văn Hải", "2A"]])


def _deactivate_memberships_in_bulk(db: Session, small: SmallTree, _app: Flask) -> None:
    """A Core UPDATE of memberships: e1 (6A, covered) leaves."""
    db.execute(update(Membership).where(Membership.user_id == small.users["e1"].id)
               .values(active=False))


def _lock_an_account(db: Session, small: SmallTree, _app: Flask) -> None:
    small.users["f1"].active = False
    db.flush()


WRITES: dict[str, tuple[Callable[[Session, SmallTree, Flask], None], str, Figures]] = {
    # kind of write: (what it does, a unit, that unit's student figures after it)
    "issue on completion": (_issue_on_completion, "2A", Figures(4, 3, 1)),
    "re-issue": (_reissue, "2A", Figures(4, 2, 0)),
    "revocation": (_revoke, "2A", Figures(4, 1, 1)),
    "revocation in bulk SQL": (_revoke_in_bulk, "province", Figures(12, 5, 4)),
    "roster import adds a student": (_import_a_new_student, "2A", Figures(5, 2, 1)),
    "roster import moves a student": (_import_a_student_into_another_class, "3A",
                                      Figures(2, 1, 2)),
    "membership deactivated in bulk SQL": (_deactivate_memberships_in_bulk, "ward",
                                           Figures(1, 0, 0)),
    "account locked": (_lock_an_account, "thpt", Figures(2, 1, 0)),
}


@pytest.mark.parametrize("kind", WRITES)
def test_incremental_figures_equal_a_full_rebuild_after_each_kind_of_write(
    kind: str, app: Flask, db: Session, small: SmallTree
):
    write, unit, expected = WRITES[kind]
    ensure_rollups(db, _keys(small), TODAY)  # every rollup built before the write
    before = _rollup_rows(db)
    write(db, small, app)
    assert _students(db, small, unit) == expected
    incremental = _rollup_rows(db)
    assert incremental != before
    refresh_all(db, TODAY)
    assert _rollup_rows(db) == incremental


def test_sql_text_writing_a_coverage_table_must_say_it_marked_its_units(
    db: Session, small: SmallTree
):
    statement = text("UPDATE lms_membership SET active = :no WHERE user_id = :user")
    values = {"no": False, "user": small.users["e1"].id}
    with pytest.raises(UntrackedCoverageWriteError, match="mark_units_dirty"):
        db.execute(statement, values)
    db.execute(statement, values, execution_options={MARKED: True})  # its author marked them


def test_a_write_rolled_back_to_a_savepoint_changes_no_figure(
    app: Flask, db: Session, small: SmallTree
):
    ensure_rollups(db, _keys(small), TODAY)
    with db.begin_nested() as savepoint:
        _revoke(db, small, app)
        savepoint.rollback()
    assert _students(db, small, "2A") == Figures(4, 2, 1)
    assert db.scalar(select(CoverageDirtyUnit.unit_id)) is None


def test_more_dirty_units_than_worth_recomputing_one_by_one_rebuild_everything(
    app: Flask, db: Session, small: SmallTree, monkeypatch: pytest.MonkeyPatch
):
    from lms_module.coverage import rollup

    monkeypatch.setattr(rollup, "FULL_REBUILD_UNITS", 1)
    ensure_rollups(db, _keys(small), TODAY)
    _revoke_in_bulk(db, small, app)  # two classes: 2A and 10A
    assert _students(db, small, "province") == Figures(12, 5, 4)
    assert db.scalar(select(CoverageDirtyUnit.unit_id)) is None
    incremental = _rollup_rows(db)
    refresh_all(db, TODAY)
    assert _rollup_rows(db) == incremental


def test_an_upsert_of_memberships_must_say_it_marked_its_units(db: Session, small: SmallTree):
    from lms_module.db import dialect_insert

    membership = small.users["e1"].memberships[0]
    upsert = dialect_insert(db, Membership).values(
        user_id=membership.user_id, org_unit_id=small.units["10A"].id, role=membership.role,
        school_year=SCHOOL_YEAR,
    ).on_conflict_do_update(index_elements=["id"], set_={"active": False})
    with pytest.raises(UntrackedCoverageWriteError, match="upsert"):
        db.execute(upsert)
