"""Parent letters: the PDF a school prints per class, and the rules of its codes."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from parent_support import answer_notice, create_account, open_letter, print_letters
from pypdf import PdfReader
from sqlalchemy import select

from helpers import csrf_token_from, sign_in
from lms_module.audit.models import AuditEvent
from lms_module.families.letters import (
    CODE_ALPHABET,
    format_letter_code,
    normalize_letter_code,
)
from lms_module.families.models import ParentLetter, ParentLink
from lms_module.orgs.models import OrgKind
from lms_module.people.models import ClassDuty, Role, TeachingAssignment

CHILDREN = ("Lò Thị Ánh", "Vàng A Dính", "Nguyễn Văn Bình")


@pytest.fixture
def school(tree, make_user):
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.tamduong",
                        full_name="Lê Văn Quang")
    children = [make_user(Role.STUDENT, tree["class"], username=f"hs.{i}", full_name=name)
                for i, name in enumerate(CHILDREN)]
    return {"manager": manager, "children": children, "class": tree["class"],
            "school": tree["school"]}


def _print_pdf(client, class_id):
    token = csrf_token_from(client, f"/classes/{class_id}/families")
    return client.post(f"/classes/{class_id}/parent-letters.pdf", data={"csrf_token": token})


def _pages(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_a_manager_prints_one_letter_a_page_naming_the_school_the_child_and_its_code(
    db, login, school
):
    client = login(school["manager"])
    response = _print_pdf(client, school["class"].id)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    pages = _pages(response.data)
    letters = {letter.child_user_id: letter for letter in db.scalars(select(ParentLetter))}
    assert len(pages) == len(CHILDREN) == len(letters)
    by_name = {child.full_name: letters[child.id] for child in school["children"]}
    for text in pages:
        name = next(n for n in CHILDREN if n in text)
        assert "TRƯỜNG TIỂU HỌC TAM ĐƯỜNG" in text
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "lớp 2A" in text
        assert format_letter_code(by_name[name].code) in text
        assert "91/2025/QH15" in text and "356/2025/NĐ-CP" in text
        assert "111" in text
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "parent_letters_printed")).one()
    assert event.actor_id == school["manager"].id and event.detail["count"] == 3


def test_codes_are_eight_symbols_without_look_alikes_typed_in_any_case(db, school):
    letters = print_letters(db, school["class"], school["manager"])
    for letter in letters.values():
        assert len(letter.code) == 8 and set(letter.code) <= set(CODE_ALPHABET)
        assert not set("01OIL25SZ8B6GU") & set(CODE_ALPHABET)
        typed = format_letter_code(letter.code).lower().replace("-", " - ")
        assert normalize_letter_code(typed) == letter.code


def test_printing_a_class_again_revokes_the_older_letters(db, client, school):
    first = print_letters(db, school["class"], school["manager"])
    second = print_letters(db, school["class"], school["manager"])
    child = school["children"][0]
    refused = open_letter(client, first[child.id].code)
    assert refused.status_code == 410
    assert "đã được nhà trường thu hồi" in refused.get_data(as_text=True)
    assert open_letter(client, second[child.id].code).status_code == 302


def test_the_revoke_button_revokes_every_letter_of_the_class_and_is_audited(db, login, school):
    letters = print_letters(db, school["class"], school["manager"])
    client = login(school["manager"])
    token = csrf_token_from(client, f"/classes/{school['class'].id}/families")
    unconfirmed = client.post(f"/classes/{school['class'].id}/parent-letters/revoke",
                              data={"csrf_token": token})
    assert "không dùng được nữa" in unconfirmed.get_data(as_text=True)
    assert all(letter.revoked_at is None for letter in letters.values())
    done = client.post(f"/classes/{school['class'].id}/parent-letters/revoke",
                       data={"csrf_token": token, "confirmed": "yes"})
    assert done.status_code == 302
    for letter in letters.values():
        db.refresh(letter)
        assert letter.revoked_at is not None
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "parent_letters_revoked")).one()
    assert event.detail["count"] == 3
    client.post("/logout", data={"csrf_token": csrf_token_from(client, "/")})
    assert open_letter(client, letters[school["children"][1].id].code).status_code == 410


def test_an_expired_code_is_refused_with_its_last_day(db, client, school):
    letters = print_letters(db, school["class"], school["manager"],
                            today=dt.date.today() - dt.timedelta(days=61), days=60)
    response = open_letter(client, letters[school["children"][0].id].code)
    assert response.status_code == 410
    last_day = (dt.date.today() - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"đã hết hạn ngày {last_day}" in response.get_data(as_text=True)


def test_an_unknown_code_is_refused_with_how_to_type_it(db, client, school):
    print_letters(db, school["class"], school["manager"])
    for typed in ("KMTR-7XA3", "abc", "0000-0000"):
        response = client.get("/lien-ket", query_string={"ma": typed})
        assert response.status_code == 404
        assert "Mã này không đúng" in response.get_data(as_text=True)


def test_a_letter_links_two_adults_and_refuses_a_third(db, app, school):
    letters = print_letters(db, school["class"], school["manager"])
    code = letters[school["children"][0].id].code
    for name in ("Lò Thị Mai", "Lò Văn Tâm"):
        browser = app.test_client()
        open_letter(browser, code)
        answer_notice(browser, "agree")
        assert create_account(browser, name).status_code == 302
    third = app.test_client()
    refused = open_letter(third, code)
    assert refused.status_code == 410
    assert "đã được dùng đủ 2 lần" in refused.get_data(as_text=True)
    assert len(db.scalars(select(ParentLink)).all()) == 2


def test_the_last_use_taken_meanwhile_stops_the_account_page(db, app, school):
    letters = print_letters(db, school["class"], school["manager"], uses=1)
    code = letters[school["children"][0].id].code
    first, second = app.test_client(), app.test_client()
    for browser in (first, second):
        open_letter(browser, code)
        answer_notice(browser, "agree")
    assert create_account(first, "Lò Thị Mai").status_code == 302
    late = second.post("/lien-ket/tai-khoan", data={
        "csrf_token": csrf_token_from(second), "full_name": "Lò Văn Tâm",
        "secret": "482913", "secret_again": "482913"})
    assert late.status_code == 302 and late.headers["Location"].endswith("/lien-ket")
    assert "đã được dùng đủ 1 lần" in second.get("/lien-ket").get_data(as_text=True)
    assert len(db.scalars(select(ParentLink)).all()) == 1


def test_wrong_codes_are_limited_per_address_and_the_refusal_audited(db, app, client, school):
    app.config["LMS_PARENT_CODE_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get("/lien-ket", query_string={"ma": "KMTR-7XA3"}).status_code
                    for _ in range(4)]
    finally:
        app.config["LMS_PARENT_CODE_RATE_LIMIT"] = "10 per minute; 60 per hour"
    assert statuses == [404, 404, 404, 429]
    assert db.scalars(
        select(AuditEvent).where(AuditEvent.action == "parent_link_rate_limited")
    ).first() is not None


@pytest.mark.parametrize("who", ["admin", "other_teacher", "class_teacher"])
def test_only_the_schools_managers_print_letters(db, login, make_user, school, tree, who):
    if who == "admin":
        user = make_user(Role.ADMIN, tree["province"], username="qt")
    else:
        user = make_user(Role.TEACHER, tree["school"], username="gv")
        if who == "class_teacher":
            db.add(TeachingAssignment(user_id=user.id, class_unit_id=school["class"].id,
                                      school_year="2026-2027", duty=ClassDuty.HOMEROOM))
            db.flush()
    client = login(user)
    token = csrf_token_from(client, "/")
    response = client.post(f"/classes/{school['class'].id}/parent-letters.pdf",
                           data={"csrf_token": token})
    assert response.status_code == 403
    assert db.scalars(select(ParentLetter)).all() == []
    denied = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert [e.actor_id for e in denied] == [user.id]


def test_letters_are_printed_for_classes_only(db, login, school):
    client = login(school["manager"])
    token = csrf_token_from(client, "/")
    response = client.post(f"/classes/{school['school'].id}/parent-letters.pdf",
                           data={"csrf_token": token})
    assert school["school"].kind is OrgKind.SCHOOL and response.status_code == 404


def test_without_a_public_address_no_letter_is_printed_or_written(db, make_app, school):
    client = make_app(LMS_PUBLIC_BASE_URL=None).test_client()
    assert sign_in(client, school["manager"].username).status_code == 302
    token = csrf_token_from(client, f"/classes/{school['class'].id}/families")
    response = client.post(f"/classes/{school['class'].id}/parent-letters.pdf",
                           data={"csrf_token": token})
    assert response.status_code == 503
    assert "LMS_PUBLIC_BASE_URL" in response.get_data(as_text=True)
    assert db.scalars(select(ParentLetter)).all() == []
