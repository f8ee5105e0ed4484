"""A student finds their course, moves through units, resumes, and sees results."""

from __future__ import annotations

import re

from learning_support import QUIZ, SLUG, UNITS

from helpers import open_unit
from lms_module.people.models import Role


def test_my_courses_lists_the_grade_band_course_with_progress(
    login, student, sample_course, client
):
    login(student)
    page = client.get("/courses").get_data(as_text=True)
    assert "Khóa học của em" in page
    assert "Em an toàn" in page
    assert 'max="4" value="0"' in page and "0/4 trang đã xong" in page


def test_a_student_of_another_grade_band_does_not_see_it(
    login, make_user, tree, sample_course, client
):
    grade_3 = make_user(Role.STUDENT, tree["other_class"], username="hs.grade3")
    login(grade_3)
    assert "Em an toàn" not in client.get("/courses").get_data(as_text=True)
    assert client.get(f"/courses/{SLUG}").status_code == 403


def test_outline_links_every_unit(login, student, sample_course, client):
    login(student)
    page = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    for unit in UNITS:
        assert f"/courses/{SLUG}/units/{unit}" in page


def test_unit_page_has_previous_next_and_no_inline_script(login, student, sample_course, client):
    login(student)
    response = client.get(f"/courses/{SLUG}/units/{UNITS[1]}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'rel="prev"' in page and 'rel="next"' in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert 'data-init="ScenarioBlock"' in page
    assert re.search(r'src="/xblock/resource/\w+/static/js/scenario\.[0-9a-f]{12}\.js"', page)


def test_block_assets_are_served(login, student, sample_course, client):
    login(student)
    response = client.get("/xblock/resource/quiz/static/js/quiz.js")
    assert response.status_code == 200
    assert "function QuizBlock" in response.get_data(as_text=True)
    assert client.get("/xblock/resource/quiz/static/../../base.py").status_code == 404
    assert client.get("/xblock/resource/nope/static/x.js").status_code == 404


def test_course_files_are_served_to_learners(login, student, sample_course, client):
    login(student)
    response = client.get(f"/courses/{SLUG}/static/khien-an-toan.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_resume_opens_the_unit_left_last(login, student, sample_course, client):
    login(student)
    first = client.get(f"/courses/{SLUG}/resume")
    assert first.headers["Location"].endswith(UNITS[0])
    open_unit(client, SLUG, UNITS[2])
    assert client.get(f"/courses/{SLUG}/resume").headers["Location"].endswith(UNITS[2])


def test_an_unknown_unit_is_a_404(login, student, sample_course, client):
    login(student)
    assert client.get(f"/courses/{SLUG}/units/{QUIZ}").status_code == 404
    assert client.get("/courses/khong-co/units/x").status_code == 404


def test_english_readers_get_the_english_text(login, student, sample_course, client):
    login(student)
    client.set_cookie("lms_lang", "en")
    page = client.get(f"/courses/{SLUG}/units/{UNITS[0]}").get_data(as_text=True)
    assert "Your body belongs to you." in page
    assert 'data-lang="en-US"' in page


def test_results_page_shows_scores_and_pass_mark(login, student, sample_course, client):
    login(student)
    page = client.get(f"/courses/{SLUG}/results").get_data(as_text=True)
    assert "70%" in page
    assert "Em chưa hoàn thành khóa học" in page
