"""A teacher sees the progress of the classes of their duties (homeroom, taught), by name, and
nothing of any other class or school."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from teaching import build_school, give_duty

from lms_module.audit.models import AuditEvent
from lms_module.people.models import ClassDuty


def progress_groups(page: str, number: int = 1) -> dict[str, tuple[int, set[str]]]:
    """(count in the heading, names listed) of each group of the page's ``number``-th
    requirement: finished, in_progress, not_started. (The order of names is the collation's
    business, tested with it.)"""
    groups = {}
    pattern = (rf'<h4 id="requirement-{number}-(\w+)">[^<]*: (\d+)</h4>\s*'
               r'(<ul class="name-list">.*?</ul>|<p)')
    for state, count, rest in re.findall(pattern, page, flags=re.S):
        names = {html.unescape(n) for n in re.findall(r"<li>(.*?)</li>", rest)}
        groups[state] = (int(count), names)
    return groups


def text_of(page: str) -> str:
    """The page's visible text on one line."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def school(db):
    return build_school(db)


def test_homeroom_teacher_sees_who_finished_is_in_progress_and_has_not_started(
    school, login
):
    client = login(school.people["hanh"])
    response = client.get(f"/classes/{school.units['2A'].id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert progress_groups(page) == {
        "finished": (1, {"Lò Văn An"}),
        "in_progress": (2, {"Giàng Thị Chi", "Tòng Thị Bình"}),
        "not_started": (2, {"Lý Thị Em", "Vàng A Dũng"}),
    }
    text = text_of(page)
    assert "Kỹ năng sống và tự bảo vệ" in text
    assert "Khóa học của khối 2: Khóa gv-k12" in text  # the course of the class's grade band
    assert "Độ bao phủ của lớp: 1/5 (20,0%) · chỉ tiêu 95,0%" in text
    assert "Giáo viên chủ nhiệm: Nguyễn Thị Hạnh" in text
    assert "2 học sinh lớp 2A chưa bắt đầu — nhờ cán bộ quản lý trường in thẻ đăng nhập" in text
    assert "2 học sinh lớp 2A đang học dở — nhắc các em học tiếp" in text
    # The teacher cannot print cards: no link to them.
    assert "login-cards.pdf" not in page


def test_subject_teacher_sees_each_class_they_teach(school, login):
    client = login(school.people["khai"])
    page = client.get(f"/classes/{school.units['3A'].id}").get_data(as_text=True)
    assert progress_groups(page) == {
        "finished": (1, {"Hà Thị Hoa"}),
        "in_progress": (0, set()),
        "not_started": (1, {"Sùng Văn Giang"}),
    }
    assert "Độ bao phủ của lớp: 1/2 (50,0%)" in text_of(page)
    assert client.get(f"/classes/{school.units['2A'].id}").status_code == 200


def test_teacher_home_lists_their_classes_with_a_link(school, login, client):
    login(school.people["khai"])
    text = text_of(client.get("/").get_data(as_text=True))
    assert "Lớp của tôi Lớp 2A · giảng dạy Lớp 3A · giảng dạy" in text
    page = client.get("/").get_data(as_text=True)
    assert f'href="/classes/{school.units["2A"].id}"' in page
    assert f'href="/classes/{school.units["3A"].id}"' in page


def test_homeroom_teacher_home_lists_only_their_class(school, login, client):
    login(school.people["hanh"])
    page = client.get("/").get_data(as_text=True)
    assert "Lớp 2A · chủ nhiệm" in text_of(page)
    assert f'href="/classes/{school.units["2A"].id}"' in page
    assert f'href="/classes/{school.units["3A"].id}"' not in page
    # The school page too names only the teacher's class.
    school_page = client.get(f"/units/{school.units['school'].id}").get_data(as_text=True)
    assert f'href="/classes/{school.units["2A"].id}"' in school_page
    assert f'href="/classes/{school.units["3A"].id}"' not in school_page


def test_teacher_without_a_duty_is_told_how_classes_are_assigned(school, login, client):
    login(school.people["lam"])
    text = text_of(client.get("/").get_data(as_text=True))
    assert "Thầy/cô chưa được phân công lớp nào trong năm học 2026-2027" in text
    assert client.get(f"/classes/{school.units['2A'].id}").status_code == 403


def test_teacher_is_refused_other_classes_and_other_schools_and_it_is_audited(
    school, login, db
):
    client = login(school.people["hanh"])
    refused = [
        f"/classes/{school.units['3A'].id}",  # a class of the school without a duty
        f"/units/{school.units['3A'].id}",
        f"/classes/{school.units['other_2A'].id}",  # another school's class
        f"/units/{school.units['other_2A'].id}",
        f"/units/{school.units['other_school'].id}",
        f"/units/{school.units['2A'].id}/login-cards.pdf",  # cards: the school's managers
        f"/units/{school.units['school'].id}/training-status",  # the whole school's names
        f"/units/{school.units['school'].id}/coverage/uncovered"
        f"?target={school.targets['students'].id}",
    ]
    for url in refused:
        response = client.get(url)
        assert response.status_code == 403, url
        page = response.get_data(as_text=True)
        assert "Sùng Văn Giang" not in page and "Đỗ Văn Nam" not in page
    denials = db.scalars(select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert {d.actor_id for d in denials} == {school.people["hanh"].id}
    assert {d.detail["endpoint"] for d in denials} >= {
        "lms.home.class_detail", "lms.home.unit_detail", "lms.auth.class_login_cards",
        "lms.certification.training_status", "lms.coverage.uncovered",
    }


def test_viewing_the_class_is_audited(school, login, db):
    client = login(school.people["hanh"])
    assert client.get(f"/classes/{school.units['2A'].id}").status_code == 200
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "view_class_roster")).one()
    assert event.actor_id == school.people["hanh"].id
    assert event.org_unit_id == school.units["2A"].id
    assert event.detail["seen_as"] == "teacher"
    assert event.detail["count"] == 5


def test_a_duty_of_another_year_gives_no_access(school, login, db):
    give_duty(db, school.people["lam"], school.units["2A"], ClassDuty.HOMEROOM,
              school_year="2025-2026")
    client = login(school.people["lam"])
    assert client.get(f"/classes/{school.units['2A'].id}").status_code == 403


def test_a_teacher_who_left_the_school_keeps_no_access_through_the_duty(school, login, db):
    hanh = school.people["hanh"]
    for membership in hanh.memberships:
        membership.active = False
    db.flush()
    client = login(hanh)
    assert client.get(f"/classes/{school.units['2A'].id}").status_code == 403


def test_a_teacher_of_the_other_school_sees_only_that_class(school, login):
    client = login(school.people["oanh"])
    page = client.get(f"/classes/{school.units['other_2A'].id}").get_data(as_text=True)
    assert progress_groups(page)["not_started"] == (1, {"Đỗ Văn Nam"})
    assert client.get(f"/classes/{school.units['2A'].id}").status_code == 403


def test_the_manager_sees_every_class_with_the_card_link(school, login):
    client = login(school.people["mo"])
    page = client.get(f"/classes/{school.units['2A'].id}").get_data(as_text=True)
    assert progress_groups(page)["finished"] == (1, {"Lò Văn An"})
    assert f'href="/units/{school.units["2A"].id}/login-cards.pdf"' in page
    assert "2 học sinh lớp 2A chưa bắt đầu — in thẻ đăng nhập" in text_of(page)
