"""The parent's "Cùng con trò chuyện" page: their child's grade band cards, finished units
marked, printable; nobody else's child (403, audited)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

import courses.content
from lms_module.audit.models import AuditEvent
from lms_module.families.models import Kinship, LinkSource
from lms_module.families.services import link_adult
from lms_module.learning.course_loader import load_course
from lms_module.people.models import Role

SAMPLE_CARDS = """<talk_cards>
  <card unit="c1_co_the">
    <learned>Con học quy tắc đồ lót: cơ thể của con là của con.</learned>
    <learned lang="en">Your child learned the underwear rule: their body belongs to them.</learned>
    <question>Chỗ nào trên cơ thể không ai được chạm vào?</question>
    <question>Nếu ai làm con sợ, con kể với ai?</question>
    <question lang="en">Which parts of your body may no one touch?</question>
    <question lang="en">If someone scares you, who do you tell?</question>
  </card>
</talk_cards>
"""


@pytest.fixture
def sample_with_cards(tmp_path: Path) -> Path:
    folder = tmp_path / "sample"
    shutil.copytree(courses.content.SAMPLE_COURSE, folder)
    (folder / "talk_cards.xml").write_text(SAMPLE_CARDS, encoding="utf-8")
    return folder


def test_a_linked_parent_opens_their_childs_cards(
    db, client, login, make_user, tree, sample_with_cards
):
    load_course(db, sample_with_cards)
    child = make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Mai")
    parent = make_user(username="me.mai")
    link_adult(db, parent, child, kinship=Kinship.MOTHER, source=LinkSource.LETTER)
    db.commit()
    response = login(parent).get(f"/children/{child.id}/talk-cards")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Lò Thị Mai" in page
    assert "Con học quy tắc đồ lót" in page
    assert "Nếu ai làm con sợ, con kể với ai?" in page


def test_a_parent_of_another_child_is_refused_and_the_refusal_audited(
    db, client, login, make_user, tree, sample_with_cards
):
    load_course(db, sample_with_cards)
    child = make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Mai")
    other_child = make_user(Role.STUDENT, tree["class"], full_name="Vàng A Páo")
    parent = make_user(username="bo.pao")
    link_adult(db, parent, other_child, kinship=Kinship.FATHER, source=LinkSource.LETTER)
    db.commit()
    response = login(parent).get(f"/children/{child.id}/talk-cards")
    assert response.status_code == 403
    assert "Lò Thị Mai" not in response.get_data(as_text=True)
    denial = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).one()
    assert denial.actor_id == parent.id
    assert denial.detail["endpoint"] == "lms.talk_cards.child_cards"
