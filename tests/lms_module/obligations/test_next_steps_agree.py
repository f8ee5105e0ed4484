"""The school manager's "what to do next" counts the people the training-status and coverage
pages name as not covered (the same obligations), and a class's next steps read the same on
the manager's pages and on its teacher's class page."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest
from teaching import TODAY, build_school, give_certificate

from helpers import sign_in
from lms_module.coverage.figures import target_report

#: The training-status page's labels of the people not covered.
NOT_COVERED_LABELS = {"Cần hoàn thành", "Quá hạn", "Đã hết hạn"}


def next_step_lines(page: str) -> list[str]:
    """The lines of the page's "what to do next" list, as the reader sees them."""
    block = page.split('<ul class="link-list next-steps">', 1)[1].split("</ul>", 1)[0]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())
            for item in re.findall(r"<li>(.*?)</li>", block, flags=re.S)]


def counts(lines: list[str]) -> dict[str, int]:
    """{"giáo viên chưa hoàn thành": 2, "học sinh lớp 2A chưa bắt đầu": 2, ...}."""
    found = {}
    for line in lines:
        match = re.match(r"(\d+) (.+?) —", line)
        assert match, line
        found[match.group(2)] = int(match.group(1))
    return found


def not_covered_on_training_status(client, school) -> Counter[str]:
    """How many people of each class (students) or of the school (adults) the training-status
    page lists as not covered."""
    page = client.get(f"/units/{school.id}/training-status").get_data(as_text=True)
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found: Counter[str] = Counter()
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
                 for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        if cells and cells[0] in NOT_COVERED_LABELS:
            found[cells[2]] += 1
    return found


@pytest.fixture
def school(db):
    return build_school(db)


def test_the_managers_next_steps_count_what_the_other_pages_list(school, login, db):
    client = login(school.people["mo"])
    home = client.get("/").get_data(as_text=True)
    steps = counts(next_step_lines(home))
    assert steps == {
        "giáo viên chưa hoàn thành": 2,
        "học sinh lớp 2A chưa bắt đầu": 2,
        "học sinh lớp 2A đang học dở": 2,
        "học sinh lớp 3A chưa bắt đầu": 1,
    }
    unit = school.units["school"]
    # The training-status page lists the same people as not covered.
    listed = not_covered_on_training_status(client, unit)
    assert listed == Counter({
        "2A": steps["học sinh lớp 2A chưa bắt đầu"] + steps["học sinh lớp 2A đang học dở"],
        "3A": steps["học sinh lớp 3A chưa bắt đầu"],
        unit.name: steps["giáo viên chưa hoàn thành"],
    })
    # The coverage figures and the coverage page's list of people not covered agree too.
    students, teachers = school.targets["students"], school.targets["teachers"]
    assert target_report(db, students, unit, TODAY).figures.uncovered == 5 == sum(
        n for what, n in steps.items() if what.startswith("học sinh"))
    assert target_report(db, teachers, unit, TODAY).figures.uncovered == 2
    for target, expected in ((students, 5), (teachers, 2)):
        page = client.get(f"/units/{unit.id}/coverage/uncovered?target={target.id}")
        assert page.get_data(as_text=True).count("<tr>") - 1 == expected  # minus the header
    dashboard = client.get(f"/units/{unit.id}/coverage").get_data(as_text=True)
    assert "2/7 người có chứng nhận còn hiệu lực" in dashboard
    assert "1/3 người có chứng nhận còn hiệu lực" in dashboard


def test_the_school_page_and_the_home_page_say_the_same(school, login):
    client = login(school.people["mo"])
    home = next_step_lines(client.get("/").get_data(as_text=True))
    school_page = client.get(f"/units/{school.units['school'].id}").get_data(as_text=True)
    assert next_step_lines(school_page) == home
    assert f'href="/units/{school.units["2A"].id}/login-cards.pdf"' in school_page


def test_a_class_reads_the_same_next_steps_for_its_teacher(school, login, client):
    login(school.people["mo"])
    managers = [line for line in next_step_lines(client.get("/").get_data(as_text=True))
                if "lớp 2A" in line]
    teacher = client.application.test_client()
    assert sign_in(teacher, school.people["hanh"].username).status_code == 302
    class_page = teacher.get(f"/classes/{school.units['2A'].id}").get_data(as_text=True)
    theirs = next_step_lines(class_page)
    assert counts(theirs) == counts(managers) == {
        "học sinh lớp 2A chưa bắt đầu": 2, "học sinh lớp 2A đang học dở": 2}


def test_finishing_moves_a_student_off_the_next_steps(school, login, db):
    give_certificate(db, school.people["dung"], school.courses["k12"])
    client = login(school.people["mo"])
    steps = counts(next_step_lines(client.get("/").get_data(as_text=True)))
    assert steps["học sinh lớp 2A chưa bắt đầu"] == 1
