"""The parent's "Cùng con trò chuyện" page: their child's grade band cards, finished units
marked, printable; the school's managers and the class's teachers may open it too; nobody
else's child (403, audited)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select
from teaching import give_duty

import courses.content
from helpers import sign_in
from lms_module.audit.models import AuditEvent
from lms_module.families.models import Kinship, LinkSource, ParentLink
from lms_module.families.services import end_link, link_adult
from lms_module.i18n import LANGUAGE_COOKIE
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import BlockCompletion, BlockUsage, Course
from lms_module.orgs.models import OrgKind
from lms_module.people.models import ClassDuty, Role, User

CONTENT_DIR = Path(courses.content.__file__).parent
GRADES_1_2 = "an-toan-cua-em"
GRADES_3_5 = "em-biet-tu-bao-ve"
CARD = re.compile(r'<li class="talk-card( talk-card-done)?">\s*<h3>([^<]+)</h3>')


@pytest.fixture
def family(db, make_user, tree):
    """Both primary courses loaded; Mai (grade 2, class 2A) and her mother, linked."""
    for slug in (GRADES_1_2, GRADES_3_5):
        load_course(db, CONTENT_DIR / slug)
    child = make_user(Role.STUDENT, tree["class"], username="hs.mai", full_name="Lò Thị Mai")
    parent = make_user(username="me.mai", full_name="Lò Thị Hoa")
    link_adult(db, parent, child, kinship=Kinship.MOTHER, source=LinkSource.LETTER)
    db.commit()
    return {"child": child, "parent": parent}


def _page(client, child: User, **kwargs) -> str:
    response = client.get(f"/children/{child.id}/talk-cards", **kwargs)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _finish_unit(db, child: User, slug: str, url_name: str) -> None:
    """Record what the runtime records when the child completes every block of a unit."""
    course = db.scalars(select(Course).where(Course.slug == slug)).one()
    blocks = db.scalars(select(BlockUsage).where(
        BlockUsage.course_version_id == course.current_version_id)).all()
    unit = next(b for b in blocks if b.block_type == "chapter" and b.url_name == url_name)
    inside, frontier = [], {unit.usage_id}
    while frontier:
        found = [b for b in blocks if b.parent_usage_id in frontier]
        inside += found
        frontier = {b.usage_id for b in found}
    for block in inside:
        if block.completion_mode == "completable":
            db.add(BlockCompletion(user_id=child.id, course_id=course.id,
                                   usage_id=block.usage_id, completion=1.0))
    db.commit()


def test_a_grade_2_childs_parent_sees_the_grades_1_2_cards_only(client, login, family):
    page = _page(login(family["parent"]), family["child"])
    assert "Lò Thị Mai" in page and "Lớp 2A" in page
    assert "An toàn của em (lớp 1-2)" in page
    assert "Em biết tự bảo vệ" not in page
    assert [title for _done, title in CARD.findall(page)] == [
        "Bài 1. Cơ thể của em",
        "Bài 2. Chạm an toàn, chạm không an toàn",
        "Bài 3. Bí mật và bất ngờ",
        "Bài 4. Người lớn em tin cậy và số 111",
    ]
    assert "Con học quy tắc đồ lót" in page
    assert "Nếu ai chạm làm con sợ, con sẽ nói gì và chạy đến đâu?" in page
    assert "Con ôn quy tắc đồ lót" not in page  # the grades 3-5 card of the same rule


def test_a_grade_4_childs_parent_sees_the_grades_3_5_cards(
    db, client, login, make_unit, make_user, tree, family
):
    class_4a = make_unit(OrgKind.CLASS, tree["school"], name="4A", grade=4)
    brother = make_user(Role.STUDENT, class_4a, username="hs.tu", full_name="Lò Văn Tú")
    link_adult(db, family["parent"], brother, kinship=Kinship.MOTHER, source=LinkSource.LETTER)
    db.commit()
    page = _page(login(family["parent"]), brother)
    assert "Em biết tự bảo vệ (lớp 3-5)" in page and "Con ôn quy tắc đồ lót" in page
    assert "An toàn của em (lớp 1-2)" not in page


def test_the_units_the_child_finished_are_marked(db, client, login, family):
    _finish_unit(db, family["child"], GRADES_1_2, "c1_co_the")
    page = _page(login(family["parent"]), family["child"])
    marks = {title: bool(done) for done, title in CARD.findall(page)}
    assert marks == {
        "Bài 1. Cơ thể của em": True,
        "Bài 2. Chạm an toàn, chạm không an toàn": False,
        "Bài 3. Bí mật và bất ngờ": False,
        "Bài 4. Người lớn em tin cậy và số 111": False,
    }
    assert page.count("Con đã học xong bài này.") == 1
    assert page.count("Con chưa học xong bài này.") == 3


def test_the_cards_are_in_english_for_a_parent_who_reads_english(client, login, family):
    client = login(family["parent"])
    client.set_cookie(LANGUAGE_COOKIE, "en")
    page = _page(client, family["child"])
    assert "Your child learned the underwear rule" in page
    assert "Which parts of your body are private?" in page
    assert "Unit 1. My body" in page


def test_the_page_prints_on_a4_without_the_sites_navigation(client, login, family):
    page = _page(login(family["parent"]), family["child"])
    assert re.search(r'<button type="button" class="button" data-print hidden>\s*In\s*</button>',
                     page)
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]*talk_cards[^"]*\.css)">', page)
    script = re.search(r'<script src="([^"]*talk_cards[^"]*\.js)"></script>', page)
    assert stylesheet and script
    css = client.get(stylesheet.group(1))
    assert css.status_code == 200 and css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "@page { size: A4" in text
    print_rules = text[text.index("@media print"):]
    for hidden in (".safety-bar", ".site-header", ".talk-nav", ".talk-actions"):
        assert hidden in print_rules.split("display: none")[0], hidden
    assert "break-inside: avoid" in print_rules
    js = client.get(script.group(1)).get_data(as_text=True)
    assert "window.print()" in js


def test_a_parent_of_another_child_is_refused_and_the_refusal_audited(
    db, client, login, make_user, tree, family
):
    other_child = make_user(Role.STUDENT, tree["class"], full_name="Vàng A Páo")
    other_parent = make_user(username="bo.pao")
    link_adult(db, other_parent, other_child, kinship=Kinship.FATHER, source=LinkSource.LETTER)
    db.commit()
    client = login(other_parent)
    response = client.get(f"/children/{family['child'].id}/talk-cards")
    assert response.status_code == 403
    assert "Lò Thị Mai" not in response.get_data(as_text=True)
    denial = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).one()
    assert denial.actor_id == other_parent.id
    assert denial.detail["endpoint"] == "lms.talk_cards.child_cards"
    assert client.get(f"/children/{other_child.id}/talk-cards").status_code == 200


def test_a_child_id_that_does_not_exist_is_refused_like_another_child(db, client, login, family):
    response = login(family["parent"]).get("/children/999999/talk-cards")
    assert response.status_code == 403
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).one()


def test_a_parent_whose_link_ended_is_refused(db, client, login, family):
    link = db.scalars(select(ParentLink)).one()
    end_link(db, link, reason="consent_withdrawn", actor_id=None)
    db.commit()
    response = login(family["parent"]).get(f"/children/{family['child'].id}/talk-cards")
    assert response.status_code == 403


def test_the_schools_manager_and_the_class_teacher_may_open_the_cards(
    db, app, make_user, tree, family
):
    manager = make_user(Role.SCHOOL_MANAGER, tree["school"], username="ql.tam.duong")
    teacher = make_user(Role.TEACHER, tree["school"], username="gv.lop.2a")
    give_duty(db, teacher, tree["class"], ClassDuty.HOMEROOM)
    db.commit()
    for adult in (manager, teacher):
        client = app.test_client()
        assert sign_in(client, adult.username).status_code == 302
        page = _page(client, family["child"])
        assert "Con học quy tắc đồ lót" in page
    seen = db.scalars(select(AuditEvent).where(AuditEvent.action == "view_talk_cards")).all()
    assert {e.actor_id for e in seen} == {manager.id, teacher.id}
    assert {e.subject_user_id for e in seen} == {family["child"].id}


def test_other_adults_of_the_school_system_are_refused(db, app, make_user, tree, family):
    other_teacher = make_user(Role.TEACHER, tree["school"], username="gv.lop.khac")
    reviewer = make_user(Role.OFFICE_REVIEWER, tree["province"], username="so.lai.chau")
    admin = make_user(Role.ADMIN, tree["ministry"], username="quan.tri")
    other_manager = make_user(Role.SCHOOL_MANAGER, tree["other_school"], username="ql.khac")
    db.commit()
    for adult in (other_teacher, reviewer, admin, other_manager):
        client = app.test_client()
        assert sign_in(client, adult.username).status_code == 302
        response = client.get(f"/children/{family['child'].id}/talk-cards")
        assert response.status_code == 403, adult.username
    denials = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert len(denials) == 4


def test_an_anonymous_visitor_is_sent_to_sign_in(client, family):
    response = client.get(f"/children/{family['child'].id}/talk-cards")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
