"""Block handlers run for the signed-in learner only, and refuse bad calls without a 500."""

from __future__ import annotations

import pytest
from learning_support import QUIZ, RIGHT_ANSWERS, SCENARIO, SLUG, UNITS, WRONG_ANSWERS, usage
from sqlalchemy import func, select

from helpers import csrf_token_from
from lms_module.learning.models import Attempt, LearnerFieldValue
from lms_module.people.models import Role


def test_student_submits_the_quiz_and_gets_feedback(login, student, sample_course, call_handler):
    login(student)
    response = call_handler(QUIZ, "submit", {"answers": WRONG_ANSWERS})
    assert response.status_code == 200
    result = response.get_json()
    assert result["score"] == 0
    assert result["attempts_left"] == 2
    assert result["feedback"]["q1"]["options"]["b"].startswith("Chưa đúng")


def test_anonymous_handler_call_is_a_401_in_vietnamese_and_changes_nothing(
    client, sample_course, db
):
    # A fetch() cannot follow a sign-in redirect: the runtime gets a JSON error to show.
    for token in ("x", csrf_token_from(client)):
        response = client.post(
            f"/xblock/{QUIZ}/handler/submit",
            json={"answers": RIGHT_ANSWERS},
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 401
        assert "đăng nhập" in response.get_json()["error"]
    assert db.scalar(select(func.count()).select_from(Attempt)) == 0


def test_handler_call_without_csrf_token_is_refused_in_json(
    login, student, sample_course, call_handler, db
):
    login(student)
    response = call_handler(QUIZ, "submit", {"answers": RIGHT_ANSWERS}, csrf=False)
    assert response.status_code == 400
    assert "tải lại trang" in response.get_json()["error"]
    assert db.scalar(select(func.count()).select_from(Attempt)) == 0


def test_unknown_handler_is_a_404_in_vietnamese(login, student, sample_course, call_handler):
    login(student)
    response = call_handler(QUIZ, "delete_everything", {})
    assert response.status_code == 404
    assert "không có thao tác" in response.get_json()["error"]


def test_unknown_usage_is_a_404_in_vietnamese(login, student, sample_course, call_handler):
    login(student)
    for usage_id in (usage("quiz", "khong_co"), "not-an-id"):
        response = call_handler(usage_id, "submit", {})
        assert response.status_code == 404
        assert "Không tìm thấy nội dung" in response.get_json()["error"]


def test_malformed_json_is_a_400_in_vietnamese(login, student, sample_course, call_handler):
    login(student)
    response = call_handler(QUIZ, "submit", None, raw=b"{not json")
    assert response.status_code == 400
    assert "không phải JSON hợp lệ" in response.get_json()["error"]


@pytest.mark.parametrize(
    "body", [b"[]", b'"x"', b"null", b"12"], ids=["list", "text", "null", "number"]
)
def test_a_json_body_that_is_not_an_object_is_a_400_in_vietnamese(
    login, student, sample_course, call_handler, db, body
):
    login(student)
    response = call_handler(QUIZ, "submit", None, raw=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        "Dữ liệu gửi lên phải là một đối tượng JSON ({...}). Hãy tải lại trang và thử lại."
    )
    assert db.scalar(select(func.count()).select_from(Attempt)) == 0


@pytest.mark.parametrize("opening", [b"[", b'{"a":'], ids=["arrays", "objects"])
def test_json_nested_too_deep_is_a_400_not_a_recursion_error(
    login, student, sample_course, call_handler, db, opening
):
    login(student)
    closing = b"]" if opening == b"[" else b"}"
    body = b'{"answers": ' + opening * 20_000 + b"1" + closing * 20_000 + b"}"
    response = call_handler(QUIZ, "submit", None, raw=body)
    assert response.status_code == 400
    assert "lồng nhau quá sâu (tối đa 32 tầng)" in response.get_json()["error"]
    assert db.scalar(select(func.count()).select_from(Attempt)) == 0


def test_json_nested_within_the_limit_reaches_the_block(
    login, student, sample_course, call_handler
):
    login(student)
    nested = b"[" * 30 + b"]" * 30  # depth 31 with the object around it; brackets in a string
    body = b'{"answers": {"q1": ' + nested + b'}, "note": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'
    response = call_handler(QUIZ, "submit", None, raw=body)
    assert response.status_code == 400
    assert response.get_json()["error"] == "Hãy chọn một câu trả lời."  # the block's own check


def test_invalid_answers_are_a_400_from_the_block(login, student, sample_course, call_handler):
    login(student)
    response = call_handler(QUIZ, "submit", {"answers": {"q1": ["a"]}})
    assert response.status_code == 400
    assert response.get_json()["error"] == "Hãy chọn một câu trả lời."


def test_attempt_limit_refuses_a_fourth_submission(login, student, sample_course, call_handler):
    login(student)
    for _ in range(3):
        assert call_handler(QUIZ, "submit", {"answers": WRONG_ANSWERS}).status_code == 200
    response = call_handler(QUIZ, "submit", {"answers": RIGHT_ANSWERS})
    assert response.status_code == 409
    assert "hết lượt" in response.get_json()["error"]


def test_a_teacher_cannot_call_handlers_of_a_student_course(
    login, make_user, tree, sample_course, call_handler, client, db
):
    teacher = make_user(Role.TEACHER, tree["school"], username="gv.hoa")
    login(teacher)
    assert client.get(f"/courses/{SLUG}/units/{UNITS[0]}").status_code == 403
    response = client.post(
        f"/xblock/{QUIZ}/handler/submit",
        json={"answers": RIGHT_ANSWERS},
        headers={"X-CSRFToken": _token(client)},
    )
    assert response.status_code == 403
    assert "không được giao cho tài khoản" in response.get_json()["error"]


def test_state_written_by_a_handler_is_the_callers_own(
    app, login, student, make_user, tree, sample_course, call_handler, db
):
    login(student)
    call_handler(SCENARIO, "choose", {"step": "s1", "choice": "a"})
    classmate = make_user(Role.STUDENT, tree["class"], username="hs.minh")
    app.test_client()  # a second browser would have its own session
    owners = db.scalars(
        select(LearnerFieldValue.user_id).where(LearnerFieldValue.block_scope_id == SCENARIO)
    ).all()
    assert set(owners) == {student.id}
    assert classmate.id not in owners


def _token(client):
    from helpers import csrf_token_from

    return csrf_token_from(client, "/login")
