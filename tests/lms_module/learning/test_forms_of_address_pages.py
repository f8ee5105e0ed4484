"""Every page a student reads, and every message the blocks send back, speaks to them as "em".

The pages are read as the child sees them (rendered, tags stripped), with the rule of
``tests/forms_of_address.py``; an adult reading the same pages is not called "em".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from forms_of_address import forbidden_forms
from learning_support import QUIZ, REFLECTION, RIGHT_ANSWERS, SCENARIO, SLUG, UNITS, WRONG_ANSWERS
from lxml import html

from helpers import open_unit
from lms_module.auth.services import card_expiry, login_card_token
from lms_module.learning.models import Course
from lms_module.people.models import Role, User

LEARNER_PAGES = ["/", "/courses", f"/courses/{SLUG}", f"/courses/{SLUG}/results", "/certificates"]


def visible_text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    tree = html.fromstring(response.get_data(as_text=True))
    for hidden in tree.xpath("//script | //style | //head"):
        hidden.drop_tree()
    # Text a screen reader or a tooltip reads counts too.
    labels = " ".join(tree.xpath("//@aria-label | //@title | //@alt | //@placeholder"))
    return " ".join(f"{tree.text_content()} {labels}".split())


def wrong_forms(texts: dict[str, str]) -> list[str]:
    return [
        f"{where}: …{found}…" for where, text in texts.items() for found in forbidden_forms(text)
    ]


def test_a_students_pages_say_em_before_and_after_the_course(
    login: Callable[[User], FlaskClient],
    student: User,
    sample_course: Course,
    call_handler: Callable[..., Any],
    client: FlaskClient,
) -> None:
    login(student)
    before = {path: visible_text(client, path) for path in LEARNER_PAGES}
    assert "Khóa học của em" in before["/courses"]
    assert "Em chưa có giấy chứng nhận nào." in before["/certificates"]
    assert "Em chưa hoàn thành khóa học" in before[f"/courses/{SLUG}/results"]

    answers: dict[str, str] = {}
    for unit in UNITS:
        open_unit(client, SLUG, unit)
    replies = [
        call_handler(SCENARIO, "choose", {"step": "s1", "choice": "b"}),
        call_handler(SCENARIO, "choose", {"step": "s1", "choice": "a"}),
        call_handler(SCENARIO, "choose", {"step": "s2", "choice": "c"}),
        call_handler(REFLECTION, "save_answer", {"answer": "Mẹ và cô Hoa"}),
        call_handler(QUIZ, "submit", {"answers": WRONG_ANSWERS}),
        call_handler(QUIZ, "submit", {"answers": RIGHT_ANSWERS}),
    ]
    for number, reply in enumerate(replies):
        assert reply.status_code == 200
        answers[f"reply {number}"] = str(reply.get_json())
    after = {path: visible_text(client, path) for path in LEARNER_PAGES}
    after.update({unit: visible_text(client, f"/courses/{SLUG}/units/{unit}") for unit in UNITS})
    assert "Em đã hoàn thành khóa học này." in after[f"/courses/{SLUG}"]
    assert "Chứng nhận của em" in after["/"]
    assert "Giấy chứng nhận của em" in after["/certificates"]

    assert wrong_forms({**before, **after, **answers}) == []


def test_the_card_sign_in_page_speaks_to_the_child(
    make_user: Callable[..., User], tree: dict[str, Any], client: FlaskClient
) -> None:
    child = make_user(Role.STUDENT, tree["class"], full_name="Lò Thị Mai", password=None)
    token = login_card_token(child, "test-secret-key", expires=card_expiry(dt.date.today()))
    text = visible_text(client, f"/card/{token}")
    assert "em" in text.split()
    assert wrong_forms({"card": text, "bad card": visible_text_404(client)}) == []


def visible_text_404(client: FlaskClient) -> str:
    response = client.get("/card/not-a-token")
    assert response.status_code == 404
    return " ".join(html.fromstring(response.get_data(as_text=True)).text_content().split())


def test_an_adult_reading_the_same_pages_is_not_called_em(
    login: Callable[[User], FlaskClient],
    make_user: Callable[..., User],
    tree: dict[str, Any],
    client: FlaskClient,
) -> None:
    teacher = make_user(Role.TEACHER, tree["school"], username="gv.lan")
    login(teacher)
    courses = visible_text(client, "/courses")
    assert "Khóa học của tôi" in courses and "Khóa học của em" not in courses
    certificates = visible_text(client, "/certificates")
    assert "Giấy chứng nhận của tôi" in certificates
    assert "Em chưa" not in certificates and "Chưa có giấy chứng nhận nào." in certificates
    assert "Chứng nhận của em" not in visible_text(client, "/")
