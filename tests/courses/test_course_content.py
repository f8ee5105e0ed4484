"""Automated checks over every course folder in ``courses/content/`` (see courses/README.md).

Each check is parametrized over the folders, so a new course is checked as soon as it
appears. Run them with ``scripts/test -k course_content`` (or ``python -m pytest
tests/courses/test_course_content.py``).
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

import courses.content
from courses.blocks.problem import parse_problem
from courses.blocks.scenario import END
from helpers import open_unit
from lms_module.learning.course_loader import load_course
from lms_module.learning.models import Audience, BlockUsage, Completion, Course
from lms_module.learning.player import learner_runtime
from lms_module.learning.services import course_units, get_course, version_blocks
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.people.models import Role, User
from lms_module.xblock_runtime.olx import read_course_files

CONTENT_DIR = Path(courses.content.__file__).parent
COURSE_FOLDERS = sorted(p for p in CONTENT_DIR.iterdir() if (p / "course.xml").is_file())
#: Pass marks the curriculum uses (issue 4): students 70%, adults 80%.
PASS_MARKS = {Audience.STUDENT: 0.7}
ADULT_PASS_MARK = 0.8
#: Longest sentence of a grades 1-2 course, counted in Vietnamese syllables (tiếng, the
#: space-separated units): a strict reading of "at most about 12 words".
GRADE_1_2_MAX_SYLLABLES = 12
#: Course folders that are not shown to learners and are exempt from the content rules
#: (the structural checks and the completion test still apply).
FIXTURES = {"sample"}
#: Largest picture (SVG) a course ships, in bytes.
MAX_SVG_BYTES = 10 * 1024
STATIC_LINK = re.compile(r"""["'(]/static/([^"'?#)\s]+)""")
SVG = "{http://www.w3.org/2000/svg}"
ROLE_FOR_AUDIENCE = {
    Audience.TEACHER: Role.TEACHER,
    Audience.STAFF: Role.STAFF,
    Audience.MANAGER: Role.SCHOOL_MANAGER,
}

CURRICULUM_FOLDERS = [p for p in COURSE_FOLDERS if p.name not in FIXTURES]


def _grade_max(folder: Path) -> int:
    root = etree.parse(str(folder / "course.xml")).getroot()
    return int(root.get("grade_max") or 12) if root.get("audience") == "student" else 12


GRADE_1_2_FOLDERS = [p for p in CURRICULUM_FOLDERS if _grade_max(p) <= 2]


def _over(folders: list[Path]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("folder", folders, ids=[p.name for p in folders])


every_course = _over(COURSE_FOLDERS)
curriculum_courses = _over(CURRICULUM_FOLDERS)
grade_1_2_courses = _over(GRADE_1_2_FOLDERS)


class StubUrls:
    """Runtime URLs for reading blocks outside a request."""

    def handler(self, usage_id: str, handler_name: str, suffix: str, query: str) -> str:
        return f"/xblock/{usage_id}/handler/{handler_name}"

    def block_resource(self, block_type: str, uri: str) -> str:
        return f"/xblock/resource/{block_type}/{uri}"

    def resource(self, path: str) -> str:
        return f"/assets/{path}"

    def course_asset(self, path: str) -> str:
        return f"/static/{path}"


# ---------------------------------------------------------------------------------- helpers


def _loaded(db: Session, folder: Path) -> tuple[Course, list[tuple[BlockUsage, Any]]]:
    """Load the course; return it with every block (usage row, parsed XBlock) in order."""
    report = load_course(db, folder)
    db.flush()
    course = get_course(db, report.course_slug)
    assert course.current_version is not None
    runtime = learner_runtime(db, None, course, StubUrls())
    blocks = version_blocks(db, course.current_version)
    return course, [(usage, runtime.get_block(usage.usage_id)) for usage in blocks]


def _where(usage: BlockUsage) -> str:
    return f"<{usage.block_type} url_name=“{usage.url_name}”>"


def _html_text(html: str) -> str:
    if not html.strip():
        return ""
    root = etree.fromstring(f"<div>{html}</div>".encode(), etree.HTMLParser(encoding="utf-8"))
    return " ".join("".join(root.itertext()).split())


def _html_images(html: str) -> list[tuple[str, str]]:
    if not html.strip():
        return []
    root = etree.fromstring(f"<div>{html}</div>".encode(), etree.HTMLParser(encoding="utf-8"))
    return [(img.get("src", ""), (img.get("alt") or "").strip()) for img in root.iter("img")]


def localized_texts(usage: BlockUsage, block: Any) -> Iterator[tuple[str, str, str]]:
    """Yield ``(what, vi, en)`` for every learner-visible text of a block."""
    kind = usage.block_type
    if kind == "course":
        yield "title", block.display_name, block.title_en
    elif getattr(block, "display_name", "") and kind not in ("html", "problem"):
        yield "display_name", block.display_name, block.display_name_en
    if kind == "lesson":
        yield "text", block.text, block.text_en
        if block.image:
            yield "alt", block.image_alt, block.image_alt_en
    elif kind == "html":
        yield "html", _html_text(block.data), _html_text(block.data_en)
        vi_images, en_images = _html_images(block.data), _html_images(block.data_en)
        for src, alt in vi_images:
            yield f"alt of {src}", alt, next((a for s, a in en_images if s == src), "")
    elif kind == "reflection":
        yield "prompt", block.prompt, block.prompt_en
    elif kind == "scenario":
        for step in block.steps:
            yield f"step {step['id']} situation", step["situation"], step["situation_en"]
            for choice in step["choices"]:
                where = f"step {step['id']} choice {choice['id']}"
                yield f"{where} text", choice["text"], choice["text_en"]
                yield f"{where} feedback", choice["feedback"], choice["feedback_en"]
                if choice["consequence"] or choice["consequence_en"]:
                    yield f"{where} consequence", choice["consequence"], choice["consequence_en"]
    elif kind == "quiz":
        for question in block.questions:
            yield f"question {question['id']} prompt", question["prompt"], question["prompt_en"]
            for option in question["options"]:
                where = f"question {question['id']} option {option['id']}"
                if question["kind"] != "truefalse":
                    yield f"{where} text", option["text"], option["text_en"]
                yield f"{where} feedback", option["feedback"], option["feedback_en"]
                if option.get("image"):
                    alt, alt_en = option.get("image_alt", ""), option.get("image_alt_en", "")
                    yield f"{where} alt", alt, alt_en


def _images(usage: BlockUsage, block: Any) -> Iterator[tuple[str, str, str, str]]:
    """Yield ``(what, url, alt vi, alt en)`` for every picture a block shows."""
    if usage.block_type == "lesson" and block.image:
        yield "image", block.image, block.image_alt, block.image_alt_en
    elif usage.block_type == "quiz":
        for question in block.questions:
            for option in question["options"]:
                if option.get("image"):
                    yield (
                        f"question {question['id']} option {option['id']}",
                        option["image"],
                        option.get("image_alt", ""),
                        option.get("image_alt_en", ""),
                    )
    elif usage.block_type == "html":
        en_images = dict(_html_images(block.data_en))
        for src, alt in _html_images(block.data):
            yield f"<img src={src}>", src, alt, en_images.get(src, "")


def _children(blocks: list[tuple[BlockUsage, Any]]) -> dict[str | None, list[BlockUsage]]:
    children: dict[str | None, list[BlockUsage]] = {}
    for usage, _block in blocks:
        children.setdefault(usage.parent_usage_id, []).append(usage)
    return children


def _subtree(children: dict[str | None, list[BlockUsage]], usage: BlockUsage) -> list[BlockUsage]:
    found = []
    for child in children.get(usage.usage_id, []):
        found.append(child)
        found.extend(_subtree(children, child))
    return found


def _targets(step: dict[str, Any]) -> set[str]:
    return {c["next"] for c in step["choices"] if c["next"] != "retry"}


def _branches(block: Any) -> bool:
    """Tell whether some step's choices lead to two different places (retry not counted)."""
    return any(len(_targets(step)) >= 2 for step in block.steps)


def _good_path(steps: list[dict[str, Any]]) -> list[tuple[str, str]] | None:
    """Return the shortest path of good choices from the first step to an ending."""
    by_id = {s["id"]: s for s in steps}
    queue: deque[tuple[str, list[tuple[str, str]]]] = deque([(steps[0]["id"], [])])
    seen = {steps[0]["id"]}
    while queue:
        step_id, path = queue.popleft()
        for choice in by_id[step_id]["choices"]:
            if not choice["good"] or choice["next"] == "retry":
                continue
            taken = [*path, (step_id, choice["id"])]
            if choice["next"] == END:
                return taken
            if choice["next"] not in seen:
                seen.add(choice["next"])
                queue.append((choice["next"], taken))
    return None


def _texts_of(usage: BlockUsage, block: Any, language: str) -> str:
    index = 1 if language == "vi" else 2
    return " ".join(t[index] for t in localized_texts(usage, block))


# ---------------------------------------------------------------------------------- checks


@every_course
def test_course_content_metadata_follows_the_curriculum(db, folder):
    course, _blocks = _loaded(db, folder)
    assert course.title_vi and course.title_en, "the course needs display_name and title_en"
    expected = PASS_MARKS.get(course.audience, ADULT_PASS_MARK)
    if folder.name not in FIXTURES:
        assert course.pass_mark == pytest.approx(expected), f"pass_mark should be {expected}"
        if course.audience is Audience.STUDENT:
            assert course.valid_for_school_year, 'students: validity="school_year"'
        else:
            assert course.validity_months == 12, 'adults: validity_months="12"'
    if course.audience is Audience.STUDENT:
        assert course.grade_min and course.grade_max, "a student course needs its grade band"


@curriculum_courses
def test_course_content_states_its_objectives_on_the_first_page(db, folder):
    _course, blocks = _loaded(db, folder)
    children = _children(blocks)
    by_id = {u.usage_id: (u, b) for u, b in blocks}
    first = course_units([u for u, _b in blocks])[0]
    page = [by_id[u.usage_id] for u in _subtree(children, first)]
    vi = " ".join(_texts_of(u, b, "vi") for u, b in page).lower()
    en = " ".join(_texts_of(u, b, "en") for u, b in page).lower()
    assert "mục tiêu" in vi, "the first page should state the learning objectives (Mục tiêu)"
    assert "objective" in en, "the first page should state the objectives in English too"


@every_course
def test_course_content_has_every_text_in_both_languages(db, folder):
    _course, blocks = _loaded(db, folder)
    missing = []
    for usage, block in blocks:
        if usage.block_type == "problem":
            missing.append(f"{_where(usage)}: <problem> has no English version: use <quiz>")
        if usage.is_placeholder:
            missing.append(f"{_where(usage)}: unknown block type")
        for what, vi, en in localized_texts(usage, block):
            if not vi.strip():
                missing.append(f"{_where(usage)} {what}: no Vietnamese")
            if not en.strip():
                missing.append(f"{_where(usage)} {what}: no English (add lang=\"en\")")
    assert not missing, "\n".join(missing)


@every_course
def test_course_content_gives_feedback_on_every_quiz_option(db, folder):
    _course, blocks = _loaded(db, folder)
    missing = [
        f"{_where(usage)} question {q['id']} option {o['id']}"
        for usage, block in blocks
        if usage.block_type == "quiz"
        for q in block.questions
        for o in q["options"]
        if not (o["feedback"].strip() and o["feedback_en"].strip())
    ]
    assert not missing, "options without feedback in both languages:\n" + "\n".join(missing)


@every_course
def test_course_content_scenarios_always_lead_to_an_ending(db, folder):
    _course, blocks = _loaded(db, folder)
    problems = []
    for usage, block in blocks:
        if usage.block_type != "scenario":
            continue
        by_id = {s["id"]: s for s in block.steps}
        reachable, queue = {block.steps[0]["id"]}, [block.steps[0]["id"]]
        while queue:
            for target in _targets(by_id[queue.pop()]) - {END} - reachable:
                reachable.add(target)
                queue.append(target)
        for step in block.steps:
            if step["id"] not in reachable:
                problems.append(f"{_where(usage)} step {step['id']}: no choice leads here")
            unknown = _targets(step) - set(by_id) - {END}
            if unknown:
                problems.append(f"{_where(usage)} step {step['id']}: unknown steps {unknown}")
            if not _targets(step):
                problems.append(f"{_where(usage)} step {step['id']}: every choice is a retry")
        if _good_path(block.steps) is None:
            problems.append(f"{_where(usage)}: no path of good choices reaches an ending")
    assert not problems, "\n".join(problems)


@curriculum_courses
def test_course_content_units_mix_lessons_a_branching_scenario_and_a_quiz(db, folder):
    course, blocks = _loaded(db, folder)
    children = _children(blocks)
    by_id = {u.usage_id: b for u, b in blocks}
    problems = []
    for chapter in (u for u, _b in blocks if u.block_type == "chapter"):
        inside = _subtree(children, chapter)
        types = {u.block_type for u in inside}
        if not types & {"lesson", "html"}:
            problems.append(f"{_where(chapter)}: no lesson or html content")
        if "quiz" not in types:
            problems.append(f"{_where(chapter)}: no quiz")
        if not any(u.block_type == "scenario" and _branches(by_id[u.usage_id]) for u in inside):
            problems.append(f"{_where(chapter)}: no branching scenario")
        if course.audience is Audience.STUDENT:
            last = [u for u in inside if u.block_type == "vertical"][-1]
            page = [(u, by_id[u.usage_id]) for u in _subtree(children, last)]
            vi = " ".join(_texts_of(u, b, "vi") for u, b in page)
            en = " ".join(_texts_of(u, b, "en") for u, b in page)
            if "111" not in vi or "111" not in en:
                problems.append(f"{_where(chapter)}: the last page should say where to get help")
    assert not problems, "\n".join(problems)


@every_course
def test_course_content_images_exist_and_have_alt_text_in_both_languages(db, folder):
    _course, blocks = _loaded(db, folder)
    files = read_course_files(folder)
    problems = []
    for usage, block in blocks:
        for what, url, alt, alt_en in _images(usage, block):
            if not (alt.strip() and alt_en.strip()):
                problems.append(f"{_where(usage)} {what}: alt text needed in vi and en")
            if url.startswith("/static/") and f"static/{url.removeprefix('/static/')}" not in files:
                problems.append(f"{_where(usage)} {what}: {url} is not in static/")
            elif not url.startswith("/static/"):
                problems.append(f"{_where(usage)} {what}: {url} must be a /static/ file")
    assert not problems, "\n".join(problems)


@every_course
def test_course_content_has_no_dangling_references(folder):
    files = read_course_files(folder)
    problems = []
    for name, data in files.items():
        if not name.endswith((".xml", ".html")):
            continue
        text = data.decode("utf-8")
        for path in STATIC_LINK.findall(text):
            if f"static/{path}" not in files:
                problems.append(f"{name}: /static/{path} does not exist")
        if not name.endswith(".xml"):
            continue
        for node in etree.fromstring(data).iter():
            if not isinstance(node.tag, str) or not node.get("url_name"):
                continue
            empty = len(node) == 0 and not (node.text or "").strip()
            if empty and f"{node.tag}/{node.get('url_name')}.xml" not in files:
                problems.append(
                    f"{name}, line {node.sourceline}: <{node.tag} url_name="
                    f"“{node.get('url_name')}”> points to no file"
                )
    assert not problems, "\n".join(problems)


@every_course
def test_course_content_pictures_are_small_self_contained_svgs(folder):
    files = read_course_files(folder)
    problems = []
    for name, data in files.items():
        if not name.endswith(".svg"):
            continue
        if len(data) > MAX_SVG_BYTES:
            problems.append(f"{name}: {len(data)} bytes (keep pictures under 10 KB)")
        try:
            root = etree.fromstring(data)
        except etree.XMLSyntaxError as error:
            problems.append(f"{name}: not valid XML ({error})")
            continue
        if root.tag != f"{SVG}svg" or not root.get("viewBox"):
            problems.append(f"{name}: needs an <svg> root with a viewBox")
        if root.find(f"{SVG}title") is None:
            problems.append(f"{name}: needs a <title>")
        for node in root.iter():
            for attribute, value in node.attrib.items():
                if attribute.endswith("href") and not value.startswith("#"):
                    problems.append(f"{name}: external reference {value}")
        if b"<script" in data or b"<image" in data:
            problems.append(f"{name}: no scripts or embedded images")
    assert not problems, "\n".join(problems)


SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’)]*\s+|\n+")


def _sentences(text: str) -> Iterator[str]:
    for sentence in SENTENCE_END.split(text):
        if sentence.strip():
            yield sentence.strip()


def _syllables(sentence: str) -> int:
    return sum(1 for token in sentence.split() if any(ch.isalnum() for ch in token))


@grade_1_2_courses
def test_course_content_for_grades_1_2_has_short_sentences(db, folder):
    course, blocks = _loaded(db, folder)
    assert course.audience is Audience.STUDENT and course.grade_max is not None
    long = [
        f"{_where(usage)} {what}: {sentence}"
        for usage, block in blocks
        for what, vi, _en in localized_texts(usage, block)
        for sentence in _sentences(vi)
        if _syllables(sentence) > GRADE_1_2_MAX_SYLLABLES
    ]
    assert not long, f"sentences over {GRADE_1_2_MAX_SYLLABLES} words:\n" + "\n".join(long)


# ---------------------------------------------------------------------------------- completion


def _learner(
    course: Course,
    make_unit: Callable[..., OrgUnit],
    make_user: Callable[..., User],
    tree: dict[str, OrgUnit],
) -> User:
    """Return a user who takes ``course``: a student of its grade band, or its staff role."""
    if course.audience is Audience.STUDENT:
        grade = course.grade_min or 1
        unit = make_unit(OrgKind.CLASS, tree["school"], name=f"{grade}A", grade=grade)
        return make_user(Role.STUDENT, unit, username="hs.hoc.thu")
    # Parents hold no role yet (parent accounts come later): an admin, who may take every
    # course, takes the parents' course in their place.
    role = ROLE_FOR_AUDIENCE.get(course.audience, Role.ADMIN)
    return make_user(role, tree["school"], username="nguoi.hoc.thu")


def _handler(client: FlaskClient, csrf: str, usage_id: str, name: str, payload: Any) -> Any:
    response = client.post(
        f"/xblock/{usage_id}/handler/{name}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


@every_course
def test_course_content_can_be_completed_through_the_runtime(
    db, folder, client, login, make_unit, make_user, tree
):
    course, blocks = _loaded(db, folder)
    learner = _learner(course, make_unit, make_user, tree)
    login(learner)
    csrf = ""
    for unit in course_units(u for u, _b in blocks):
        page = open_unit(client, course.slug, unit.usage_id)
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
        assert match
        csrf = match.group(1)
    for usage, block in blocks:
        if usage.block_type == "scenario":
            path = _good_path(block.steps)
            assert path, f"{_where(usage)}: no good path to an ending"
            for step_id, choice_id in path:
                result = _handler(
                    client, csrf, usage.usage_id, "choose", {"step": step_id, "choice": choice_id}
                )
                assert result["good"]
            assert result["finished"]
        elif usage.block_type == "quiz":
            answers = {
                q["id"]: [o["id"] for o in q["options"] if o["correct"]] for q in block.questions
            }
            result = _handler(client, csrf, usage.usage_id, "submit", {"answers": answers})
            assert result["passed"], _where(usage)
        elif usage.block_type == "problem":
            answers = {
                part["id"]: [o["id"] for o in part["options"] if o["correct"]]
                for part in parse_problem(block.data)
                if part["kind"] in ("single", "multiple", "dropdown")
            }
            result = _handler(client, csrf, usage.usage_id, "submit", {"answers": answers})
            assert result["score"] == 1.0, _where(usage)
        elif usage.block_type == "reflection":
            _handler(client, csrf, usage.usage_id, "save_answer", {"answer": "Cô giáo và mẹ."})
    completion = db.scalar(
        select(Completion).where(
            Completion.user_id == learner.id,
            Completion.course_version_id == course.current_version_id,
        )
    )
    assert completion is not None, "every block answered right, but the course is not complete"
