"""A child's data, exported for the parent: everything about this child, nothing about another
child, no secret; only the linked parent and the school's managers download it, audited."""

from __future__ import annotations

import pytest
from data_rights_support import ANSWERS, build_family, read_export
from sqlalchemy import Table, func, select

from lms_module.audit.models import AuditEvent
from lms_module.db import Base
from lms_module.families.data_rights import (
    EXPORTED,
    NOT_ABOUT_THE_CHILD,
    SECTIONS,
    export_child_data,
    user_references,
)


@pytest.fixture
def family(db, tree, make_user, tmp_path):
    return build_family(db, tree, make_user, tmp_path / "course")


def export_of(db, child):
    return read_export(export_child_data(db, child, base_url="http://localhost"))


def test_every_column_referring_to_a_user_is_exported_or_explained():
    references = user_references()
    assert ("lms_membership", "user_id") in references  # the schema is really read
    assert not set(EXPORTED) & set(NOT_ABOUT_THE_CHILD)
    unlisted = references - set(EXPORTED) - set(NOT_ABOUT_THE_CHILD)
    assert not unlisted, (
        f"{sorted(unlisted)} refer to lms_user.id: export them in families/data_rights.py "
        "(EXPORTED) or say why they are not about the child (NOT_ABOUT_THE_CHILD)"
    )
    assert set(EXPORTED) | set(NOT_ABOUT_THE_CHILD) <= references  # no stale entries
    assert all(reason.strip() for reason in NOT_ABOUT_THE_CHILD.values())


def test_every_row_about_the_child_is_in_the_export(db, family):
    data = export_of(db, family.child).data
    assert list(data)[2:] == list(SECTIONS)  # after exported_at and format
    tables = Base.metadata.tables
    for (table_name, column), section in EXPORTED.items():
        table: Table = tables[table_name]
        ids = set(db.scalars(select(table.c.id).where(table.c[column] == family.child.id)))
        exported = {row["id"] for row in data[section]}
        assert ids <= exported, f"{table_name}.{column}: rows {sorted(ids - exported)} missing"
    for section in ("memberships", "learner_state", "attempts", "block_scores",
                    "block_completions", "positions", "completions", "certificates",
                    "notifications", "consent_records", "parent_links", "parent_letters",
                    "audit_events"):
        assert data[section], f"the world left {section} empty"


def test_the_export_holds_the_childs_data_and_no_other_childs(db, family):
    export = export_of(db, family.child)
    data = export.data
    assert data["account"]["full_name"] == "Lò Thị Hoa"
    assert data["account"]["student_code"] == "HS-HOA-01"
    assert data["account"]["phone"] == "0912345678"
    assert data["learner_state"][0]["value"] == ANSWERS["hoa"]
    assert data["parent_links"][0]["adult"] == "Tòng Thị Mai"
    assert data["parent_links"][0]["kinship"] == "mother"
    assert data["memberships"][0]["unit"] == "2A"
    assert data["memberships"][0]["school"] == "Trường Tiểu học Tam Đường"
    assert data["certificates"][0]["serial"] == family.certificate.serial
    assert f"giay-chung-nhan/{data['certificates'][0]['file'].split('/')[-1]}" in export.names
    assert "Lò Thị Hoa" in export.pdf_text
    assert {e["action"] for e in data["audit_events"]} >= {"login", "login_failed",
                                                           "parent_linked"}
    assert next(e for e in data["audit_events"] if e["action"] == "login")["ip"] == "203.0.113.7"
    for other in ("Vàng A Bình", "hs.binh", "HS-BINH-02", ANSWERS["binh"], "Giàng Thị Sua",
                  "198.51.100.4"):
        assert other not in export.raw, other


def test_the_export_holds_no_secrets(db, family):
    export = export_of(db, family.child)
    account = export.data["account"]
    assert not {"password_hash", "session_version", "login_card_version"} & set(account)
    assert account["has_password"] is True
    assert family.child.password_hash not in export.raw
    assert family.letter.code not in export.raw  # a letter's code links an adult to the child
    assert all("code" not in letter for letter in export.data["parent_letters"])
    # A failed sign-in's address may be anyone's; the child's own sign-in's is theirs.
    failed = next(e for e in export.data["audit_events"] if e["action"] == "login_failed")
    assert failed["ip"] is None


def test_the_readme_explains_the_files_in_vietnamese(db, family):
    readme = export_of(db, family.child).readme
    assert "Học sinh: Lò Thị Hoa" in readme
    assert "du-lieu.json" in readme and "giay-chung-nhan/" in readme
    assert "learner_state" in readme and "audit_events" in readme
    assert "15 ngày" in readme


def test_the_linked_parent_downloads_the_zip_and_it_is_audited(db, client, login, family):
    login(family.mother)
    response = client.get(f"/children/{family.child.id}/data.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    assert read_export(response.data).data["account"]["full_name"] == "Lò Thị Hoa"
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "child_data_exported")).one()
    assert (event.actor_id, event.subject_user_id) == (family.mother.id, family.child.id)
    assert event.detail["acting_as"] == "parent"
    assert event.org_unit_id == family.school.id


def test_a_parent_of_another_child_gets_403_and_an_audit_row(db, client, login, family):
    login(family.other_mother)
    before = db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "access_denied"))
    for path in (f"/children/{family.child.id}/data.zip", f"/children/{family.child.id}/data"):
        response = client.get(path)
        assert response.status_code == 403
        assert "chỉ xem được thông tin của con mình" in response.get_data(as_text=True)
    denials = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")
                         .order_by(AuditEvent.id)).all()
    assert len(denials) == before + 2
    assert denials[-1].actor_id == family.other_mother.id
    assert denials[-1].detail["endpoint"] == "lms.data_rights.child_data"
    assert not db.scalars(select(AuditEvent).where(
        AuditEvent.action == "child_data_exported")).first()


def test_the_school_manager_downloads_for_a_request_on_paper(db, client, login, family):
    login(family.manager)
    response = client.get(f"/children/{family.child.id}/data.zip")
    assert response.status_code == 200
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "child_data_exported")).one()
    assert event.detail["acting_as"] == "school_manager"


@pytest.mark.parametrize("who", ["other_manager", "admin", "other_child"])
def test_another_school_an_admin_or_a_classmate_gets_403(db, client, login, family, who):
    login(getattr(family, who))
    assert client.get(f"/children/{family.child.id}/data.zip").status_code == 403
    assert db.scalars(select(AuditEvent).where(
        AuditEvent.action == "access_denied", AuditEvent.actor_id == getattr(family, who).id
    )).first() is not None


def test_an_unknown_child_or_an_adult_gets_a_clear_404(client, login, family):
    login(family.mother)
    for child_id in (0, 2**31 - 1, family.manager.id):
        response = client.get(f"/children/{child_id}/data.zip")
        assert response.status_code == 404
        assert "Không tìm thấy học sinh này" in response.get_data(as_text=True)


def test_the_childs_data_page_counts_what_is_held(client, login, family):
    login(family.mother)
    page = client.get(f"/children/{family.child.id}/data").get_data(as_text=True)
    assert "Dữ liệu của em Lò Thị Hoa" in page
    assert "Giấy chứng nhận: 1" in page
    assert f"/children/{family.child.id}/data.zip" in page
    assert f"/children/{family.child.id}/erasure-request" in page
