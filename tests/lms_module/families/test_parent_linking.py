"""Linking a parent to a child with a letter: the notice, the answers, the account, families."""

from __future__ import annotations

import pytest
from parent_support import (
    PIN,
    answer_notice,
    create_account,
    link_new_parent,
    open_letter,
    print_letters,
)
from sqlalchemy import select

from helpers import csrf_token_from, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.families.consent import NOTICE_VERSION
from lms_module.families.models import (
    ConsentAnswer,
    ConsentRecord,
    Kinship,
    LinkSource,
    ParentLink,
)
from lms_module.orgs.models import OrgKind
from lms_module.people.models import Membership, Role, User
from lms_module.people.services import user_by_username


@pytest.fixture
def families(tree, make_user, make_unit):
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.tamduong")
    class_3a = make_unit(OrgKind.CLASS, tree["school"], name="3A", grade=3)
    an = make_user(Role.STUDENT, tree["class"], username="hs.an", full_name="Lò Văn An")
    binh = make_user(Role.STUDENT, class_3a, username="hs.binh", full_name="Lò Thị Bình")
    return {"manager": manager, "an": an, "binh": binh, "class": tree["class"],
            "class_3a": class_3a, "school": tree["school"]}


def _letter(db, families, child_key, class_key="class"):
    letters = print_letters(db, families[class_key], families["manager"])
    return letters[families[child_key].id]


def test_a_parent_scans_agrees_and_gets_an_account_linked_to_the_child(db, app, families):
    letter = _letter(db, families, "an")
    client = app.test_client()
    notice = client.get(open_letter(client, letter.code).headers["Location"])
    page = notice.get_data(as_text=True)
    assert "Lò Văn An" in page and "91/2025/QH15" in page and "356/2025/NĐ-CP" in page
    assert f"Phiên bản thông báo: {NOTICE_VERSION}" in page
    assert "15 ngày" in page
    username = link_new_parent(client, letter.code, "Nguyễn Thị Mai", kinship="mother")
    parent = user_by_username(db, username)
    assert parent is not None and parent.full_name == "Nguyễn Thị Mai" and parent.email is None
    assert username.startswith("mai.")
    link = db.scalars(select(ParentLink)).one()
    assert (link.adult_user_id, link.child_user_id) == (parent.id, families["an"].id)
    assert link.kinship is Kinship.MOTHER and link.source is LinkSource.LETTER
    assert link.letter_id == letter.id
    membership = db.scalars(select(Membership).where(Membership.user_id == parent.id)).one()
    assert membership.role is Role.PARENT and membership.org_unit_id == families["school"].id
    db.refresh(families["an"])
    assert parent.family_id is not None and parent.family_id == families["an"].family_id
    consent = db.scalars(select(ConsentRecord)).one()
    assert (consent.adult_user_id, consent.child_user_id, consent.answer) == (
        parent.id, families["an"].id, ConsentAnswer.GIVEN)
    assert consent.notice_version == NOTICE_VERSION and consent.letter_id == letter.id
    db.refresh(letter)
    assert letter.uses == 1
    # Signed in: the home page names the child.
    home = client.get("/").get_data(as_text=True)
    assert "Lò Văn An" in home


def test_the_new_parent_signs_in_later_with_the_username_and_pin(db, app, families):
    letter = _letter(db, families, "an")
    username = link_new_parent(app.test_client(), letter.code)
    browser = app.test_client()
    response = sign_in(browser, username, PIN)
    assert response.status_code == 302
    assert "Lò Văn An" in browser.get("/").get_data(as_text=True)
    assert sign_in(app.test_client(), username, "111111").status_code == 200


def test_a_signed_in_parent_scanning_a_second_letter_adds_the_sibling(db, app, families):
    client = app.test_client()
    username = link_new_parent(client, _letter(db, families, "an").code)
    second = _letter(db, families, "binh", "class_3a")
    assert open_letter(client, second.code).status_code == 302
    linked = answer_notice(client, "agree", "mother")
    assert linked.status_code == 302
    parent = user_by_username(db, username)
    assert {link.child_user_id for link in db.scalars(select(ParentLink))} == {
        families["an"].id, families["binh"].id}
    for person in (parent, families["an"], families["binh"]):
        db.refresh(person)
    assert parent.family_id == families["an"].family_id == families["binh"].family_id
    home = client.get("/").get_data(as_text=True)
    assert "Lò Văn An" in home and "Lò Thị Bình" in home
    assert db.scalars(select(ConsentRecord).where(
        ConsentRecord.child_user_id == families["binh"].id)).one().adult_user_id == parent.id


def test_a_parent_signs_in_on_the_account_page_to_add_a_second_child(db, app, families):
    username = link_new_parent(app.test_client(), _letter(db, families, "an").code)
    second = _letter(db, families, "binh", "class_3a")
    client = app.test_client()
    open_letter(client, second.code)
    answer_notice(client, "agree", "father")
    token = csrf_token_from(client, "/lien-ket/tai-khoan")
    wrong = client.post("/lien-ket/dang-nhap",
                        data={"csrf_token": token, "username": username, "password": "999999"})
    assert wrong.status_code == 401
    assert "không đúng" in wrong.get_data(as_text=True)
    done = client.post("/lien-ket/dang-nhap",
                       data={"csrf_token": token, "username": username, "password": PIN})
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/children/{families['binh'].id}")
    parent = user_by_username(db, username)
    assert len(db.scalars(select(User).where(User.username.like("%.%"),
                                              User.full_name == "Nguyễn Thị Mai")).all()) == 1
    assert {link.child_user_id for link in db.scalars(
        select(ParentLink).where(ParentLink.adult_user_id == parent.id))} == {
        families["an"].id, families["binh"].id}


def test_two_parents_of_one_child_are_one_family(db, app, families):
    letter = _letter(db, families, "an")
    mother = user_by_username(db, link_new_parent(app.test_client(), letter.code, "Lò Thị Mai"))
    father = user_by_username(db, link_new_parent(app.test_client(), letter.code, "Lò Văn Tâm",
                                                  kinship="father"))
    db.refresh(families["an"])
    assert mother.family_id == father.family_id == families["an"].family_id is not None
    kinships = {link.adult_user_id: link.kinship for link in db.scalars(select(ParentLink))}
    assert kinships == {mother.id: Kinship.MOTHER, father.id: Kinship.FATHER}


def test_a_refusal_without_an_account_is_recorded_with_the_letter(db, app, families):
    letter = _letter(db, families, "an")
    client = app.test_client()
    open_letter(client, letter.code)
    refused = answer_notice(client, "refuse")
    assert refused.status_code == 200
    assert "anh chị không đồng ý" in refused.get_data(as_text=True)
    record = db.scalars(select(ConsentRecord)).one()
    assert record.adult_user_id is None and record.letter_id == letter.id
    assert record.answer is ConsentAnswer.REFUSED and record.notice_version == NOTICE_VERSION
    assert db.scalars(select(ParentLink)).all() == []
    db.refresh(letter)
    assert letter.uses == 0
    # The flow is over: the account page sends the visitor back to the code.
    assert client.get("/lien-ket/tai-khoan").headers["Location"].endswith("/lien-ket")


@pytest.mark.parametrize(("secret", "message"), [
    ("123456", "dễ đoán"), ("000000", "dễ đoán"), ("12345", "đúng 6 chữ số"),
    ("ngan", "ít nhất 8 ký tự"),
])
def test_a_pin_anyone_would_guess_or_a_short_password_is_refused(db, app, families, secret,
                                                                   message):
    client = app.test_client()
    open_letter(client, _letter(db, families, "an").code)
    answer_notice(client, "agree")
    response = create_account(client, secret=secret)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.scalars(select(ParentLink)).all() == []
    assert db.scalars(select(ConsentRecord)).all() == []


def test_a_wrong_phone_number_is_refused_and_a_right_one_kept(db, app, families):
    letter = _letter(db, families, "an")
    client = app.test_client()
    open_letter(client, letter.code)
    answer_notice(client, "agree")
    assert "Số điện thoại chưa đúng" in create_account(client, phone="12345").get_data(
        as_text=True)
    assert create_account(client, phone="0912 345 678").status_code == 302
    assert db.scalars(select(User).where(User.phone == "0912345678")).one()


def test_a_student_cannot_link_to_a_letter(db, app, families, login):
    letter = _letter(db, families, "binh", "class_3a")
    client = login(families["an"])
    open_letter(client, letter.code)
    assert client.get("/lien-ket/thong-bao").status_code == 403
    assert db.scalars(select(ParentLink)).all() == []


def test_the_notice_and_account_pages_need_a_checked_code_first(db, client, families):
    for path in ("/lien-ket/thong-bao", "/lien-ket/tai-khoan"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/lien-ket")


def test_linking_is_audited(db, app, families):
    link_new_parent(app.test_client(), _letter(db, families, "an").code)
    actions = {event.action for event in db.scalars(select(AuditEvent))}
    assert {"parent_account_created", "consent_answered", "parent_linked", "login"} <= actions


def test_the_sign_in_page_tells_parents_where_the_pin_goes_and_how_to_link(client):
    page = client.get("/login").get_data(as_text=True)
    assert "gõ mã PIN 6 số (hoặc mật khẩu) vào ô Mật khẩu" in page
    assert 'href="/lien-ket"' in page
