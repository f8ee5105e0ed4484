"""The course blocks' shared css and js come from one URL, kept for a year."""

from __future__ import annotations

import re

from learning_support import SLUG, UNITS

BLOCK_FILE = re.compile(r'(?:href|src)="(/xblock/resource/[^"]+)"')


def block_files(client, unit: str) -> list[str]:
    page = client.get(f"/courses/{SLUG}/units/{unit}")
    assert page.status_code == 200
    return BLOCK_FILE.findall(page.get_data(as_text=True))


def named(urls: list[str], filename: str) -> list[str]:
    stem, suffix = filename.rsplit(".", 1)
    return [url for url in urls if re.search(rf"/{stem}\.[0-9a-f]{{12}}\.{suffix}$", url)]


def test_blocks_of_different_types_share_one_url_for_the_same_file(
    login, student, sample_course, client
):
    login(student)
    scenario_unit = block_files(client, UNITS[1])  # a vertical holding a scenario
    quiz_unit = block_files(client, UNITS[2])  # a vertical holding a quiz
    # The vertical and the scenario both add course-blocks.css: the page names it once.
    assert len(named(scenario_unit, "course-blocks.css")) == 1
    assert named(scenario_unit, "course-blocks.css") == named(quiz_unit, "course-blocks.css")
    assert len(named(scenario_unit, "course-blocks.js")) == 1
    assert named(scenario_unit, "course-blocks.js") == named(quiz_unit, "course-blocks.js")
    assert named(scenario_unit, "scenario.js") and named(quiz_unit, "quiz.js")
    assert len(scenario_unit) == len(set(scenario_unit))


def test_a_block_file_url_is_kept_a_year_and_the_plain_path_revalidated(
    login, student, sample_course, client
):
    login(student)
    [stylesheet] = named(block_files(client, UNITS[1]), "course-blocks.css")
    response = client.get(stylesheet)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    plain = client.get("/xblock/resource/quiz/static/css/course-blocks.css")
    assert plain.data == response.data
    assert plain.headers["Cache-Control"] == "private, no-cache"
    assert client.get(
        "/xblock/resource/quiz/static/css/course-blocks.css",
        headers={"If-None-Match": plain.headers["ETag"]},
    ).status_code == 304
    outdated = client.get("/xblock/resource/quiz/static/css/course-blocks.000000000000.css")
    assert outdated.headers["Cache-Control"] == "private, no-cache"
    assert client.get("/xblock/resource/quiz/static/css/none.000000000000.css").status_code == 404


def test_block_files_stay_behind_sign_in(sample_course, client):
    response = client.get("/xblock/resource/quiz/static/css/course-blocks.css")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_block_file_urls_follow_the_path_the_app_is_served_under(
    login, student, sample_course, client
):
    """Block file URLs are built once per process: each mount point keeps its own."""
    login(student)
    unit = f"/courses/{SLUG}/units/{UNITS[2]}"
    mounted = client.get(unit, environ_overrides={"SCRIPT_NAME": "/truong"})
    assert mounted.status_code == 200
    under_mount = re.findall(r'(?:href|src)="(/truong/xblock/resource/[^"]+)"', mounted.text)
    assert named(under_mount, "quiz.js") and named(under_mount, "course-blocks.css")
    at_root = block_files(client, UNITS[2])
    assert named(at_root, "quiz.js") and named(at_root, "course-blocks.css")
    assert [url.removeprefix("/truong") for url in under_mount] == at_root
