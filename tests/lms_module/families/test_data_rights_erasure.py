"""Erasing a child's data: the child is anonymised all or nothing, certificates stay as
statistics without the name, links and memberships end, every step is audited, and doing it
again changes nothing."""

from __future__ import annotations

import io

import pytest
from data_rights_support import ANSWERS, build_family, erasure_request, read_export
from pypdf import PdfReader
from sqlalchemy import func, select

from helpers import SCHOOL_YEAR, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.certification.models import Certificate
from lms_module.certification.services import (
    ANONYMISED_HOLDER,
    certificate_pdf,
    unit_certificates,
)
from lms_module.coverage.figures import ReportScope, direct_subtree_figures
from lms_module.families import data_rights
from lms_module.families.data_rights import (
    ERASED_NAME,
    DataRequestError,
    erase_child,
    export_child_data,
    is_erased,
)
from lms_module.families.models import ParentLetter, ParentLink
from lms_module.families.services import children_of, may_follow
from lms_module.learning.models import (
    Attempt,
    Audience,
    BlockCompletion,
    BlockScore,
    Completion,
    LearnerFieldValue,
    LearnerPosition,
)
from lms_module.notifications.models import Notification
from lms_module.obligations.targets import create_requirement
from lms_module.people.models import Membership, User

LEARNER_TABLES = (
    LearnerFieldValue, Attempt, BlockScore, BlockCompletion, LearnerPosition, Notification
)


@pytest.fixture
def family(db, tree, make_user, tmp_path):
    return build_family(db, tree, make_user, tmp_path / "course")


def count(db, model, **where):
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.scalar(query)


def snapshot(db, child):
    """Everything an erasure could change, as plain values."""
    db.expire_all()
    user = db.get(User, child.id)
    return (
        {c.key: getattr(user, c.key) for c in User.__table__.columns},
        [(m.id, m.active) for m in db.scalars(select(Membership).where(
            Membership.user_id == child.id))],
        [(c.id, c.holder_name, c.revoked_reason) for c in db.scalars(select(Certificate).where(
            Certificate.user_id == child.id))],
        [(link.id, link.ended_at) for link in db.scalars(select(ParentLink))],
        [(e.id, e.ip, e.detail) for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))],
        [count(db, model, user_id=child.id) for model in LEARNER_TABLES],
    )


def test_erasure_anonymises_the_account_and_deletes_learner_state(db, family):
    child = family.child
    old_username = child.username
    erase_child(db, child, actor=family.manager, request=erasure_request(db, family))
    db.expire_all()
    assert child.full_name == ERASED_NAME and is_erased(child)
    assert child.username != old_username and child.username.startswith("da-xoa-")
    assert len(child.username) >= 30  # random, not guessable
    assert (child.student_code, child.phone, child.email, child.password_hash) == (
        None, None, None, None)
    assert child.active is False
    for model in LEARNER_TABLES:
        assert count(db, model, user_id=child.id) == 0, model.__name__
    # The other child of the class keeps everything.
    for model in LEARNER_TABLES:
        assert count(db, model, user_id=family.other_child.id) > 0, model.__name__
    assert count(db, Completion, user_id=child.id) == 1  # completions kept (statistics)


def test_the_childs_sessions_and_cards_end(app, db, family, make_app):
    other = make_app()  # a second browser of the child, signed in before the erasure
    browser = other.test_client()
    assert sign_in(browser, "hs.hoa").status_code == 302
    assert browser.get("/").status_code == 200
    versions = (family.child.session_version, family.child.login_card_version)
    erase_child(db, family.child, actor=family.manager, request=None)
    db.commit()
    assert family.child.session_version > versions[0]
    assert family.child.login_card_version > versions[1]
    assert browser.get("/").status_code == 302  # sent to sign in
    assert sign_in(browser, "hs.hoa").status_code != 302


def test_certificates_stay_as_statistics_without_the_name(db, client, family):
    certificate = family.certificate
    before = unit_certificates(db, family.school)
    erase_child(db, family.child, actor=family.manager, request=erasure_request(db, family))
    db.commit()
    after = unit_certificates(db, family.school)
    assert len(after) == len(before) == 2  # still counted where certificates are counted
    assert certificate in after and certificate.revoked_at is None
    assert certificate.holder_name == ANONYMISED_HOLDER
    pdf = certificate_pdf(certificate, base_url="http://localhost")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Lò Thị Hoa" not in text and ANONYMISED_HOLDER in text
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Giấy chứng nhận còn hiệu lực." in page
    for shown in ("Lò Thị Hoa", "Lò T. H.", "Người được cấp", "Học s."):
        assert shown not in page, shown


def test_links_end_and_letters_stop_linking(db, family):
    erase_child(db, family.child, actor=family.manager, request=erasure_request(db, family))
    db.expire_all()
    link = db.scalars(select(ParentLink).where(ParentLink.child_user_id == family.child.id)).one()
    assert link.ended_at is not None and link.ended_reason == "child_erased"
    assert not may_follow(db, family.mother, family.child)
    assert children_of(db, family.mother) == []
    assert family.child.family_id is None
    assert db.get(ParentLetter, family.letter.id).revoked_at is not None
    assert may_follow(db, family.other_mother, family.other_child)  # the other family stays
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "parent_unlinked", AuditEvent.subject_user_id == family.child.id
    )).one().detail["reason"] == "child_erased"


def test_the_erased_child_leaves_the_coverage_population(db, family):
    requirement = create_requirement(db, code="HS", title_vi="Học sinh", courses=[family.course])
    scope = ReportScope(requirement.id, SCHOOL_YEAR, Audience.STUDENT)
    today = family.certificate.issued_on
    before = direct_subtree_figures(db, family.school, scope, today)
    erase_child(db, family.child, actor=family.manager, request=None)
    db.flush()
    after = direct_subtree_figures(db, family.school, scope, today)
    assert (before.population, before.covered) == (2, 2)
    assert (after.population, after.covered) == (1, 1)
    memberships = db.scalars(select(Membership).where(
        Membership.user_id == family.child.id)).all()
    assert memberships and not any(m.active for m in memberships)


def test_erasure_is_audited_with_counts_and_marks_the_requests_done(db, family):
    request = erasure_request(db, family)
    second = erasure_request(db, family)  # a second request waiting is fulfilled too
    counts = erase_child(db, family.child, actor=family.manager, request=request, ip="10.0.0.1")
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "child_data_erased")).one()
    assert (event.actor_id, event.subject_user_id, event.org_unit_id, event.ip) == (
        family.manager.id, family.child.id, family.school.id, "10.0.0.1")
    assert event.detail["learner_fields"] == 1 and event.detail["attempts"] == 1
    assert event.detail["links_ended"] == 1 and event.detail["certificates_anonymised"] == 1
    assert event.detail["memberships_ended"] == 1 and event.detail["account_anonymised"]
    assert event.detail["request_ids"] == [request.id, second.id]
    assert counts.requests_done == 2
    for each in (request, second):
        assert each.outcome == "done" and each.done_by_id == family.manager.id
        assert each.done_at is not None


def test_a_second_erasure_changes_nothing(db, family):
    request = erasure_request(db, family)
    erase_child(db, family.child, actor=family.manager, request=request)
    db.flush()
    before = snapshot(db, family.child)
    again = erase_child(db, family.child, actor=family.manager, request=request)
    db.flush()
    assert not again.changed
    assert snapshot(db, family.child) == before
    assert count(db, AuditEvent, action="child_data_erased") == 1


def test_a_failing_step_leaves_nothing_erased(db, family, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    request = erasure_request(db, family)
    before = snapshot(db, family.child)
    # The failure comes after links ended, learner state went and memberships ended.
    monkeypatch.setattr(data_rights, "anonymise_holder", broken)
    with pytest.raises(RuntimeError):
        erase_child(db, family.child, actor=family.manager, request=request)
    assert snapshot(db, family.child) == before
    assert request.done_at is None
    assert may_follow(db, family.mother, family.child)


def test_a_refused_or_foreign_request_erases_nothing(db, family):
    request = erasure_request(db, family)
    request.child_user_id = family.other_child.id
    with pytest.raises(DataRequestError):
        erase_child(db, family.child, actor=family.manager, request=request)
    request.child_user_id = family.child.id
    request.outcome = "refused"
    with pytest.raises(DataRequestError):
        erase_child(db, family.child, actor=family.manager, request=request)
    assert db.get(User, family.child.id).full_name == "Lò Thị Hoa"


def test_after_erasure_the_export_holds_nothing_personal(db, family):
    erase_child(db, family.child, actor=family.manager, request=erasure_request(db, family))
    db.flush()
    export = read_export(export_child_data(db, family.child, base_url="http://localhost"))
    for personal in ("Lò Thị Hoa", "Lò T. H.", "hs.hoa", "HS-HOA-01", "0912345678",
                     "hoa@example.vn", ANSWERS["hoa"], "Tòng Thị Mai", "203.0.113.7",
                     "203.0.113.8", "203.0.113.9"):
        assert personal not in export.raw, personal
    data = export.data
    assert data["account"]["erased"] is True
    for section in ("learner_state", "attempts", "block_scores", "block_completions",
                    "positions"):
        assert data[section] == [], section
    assert data["certificates"][0]["holder_name"] == ANONYMISED_HOLDER
    assert data["completions"]  # kept as statistics
    # The typed username is gone from the rate-limit event too (it had no subject).
    assert not db.scalars(select(AuditEvent).where(
        AuditEvent.action == "login_rate_limited", AuditEvent.ip.is_not(None))).all()
