"""The public verification page: valid, expired, revoked; typos; masking; rate limit."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from certification_support import complete

from certificates.codes import ALPHABET, format_code
from helpers import make_test_app
from lms_module.certification.services import revoke_certificate


def _typo(code: str) -> str:
    wrong = next(ch for ch in ALPHABET if ch != code[5])
    return code[:5] + wrong + code[6:]


def test_a_valid_students_certificate_shows_course_dates_unit_and_a_masked_name(
    client, db, student, student_course, tree
):
    certificate = complete(db, student, student_course)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Giấy chứng nhận còn hiệu lực." in page
    assert "Đặng T. Ư. Ỹ." in page
    assert "Đặng Thị Ưng Ỹ" not in page
    assert "Em an toàn ở trường" in page
    assert tree["school"].name in page
    assert certificate.issued_on.strftime("%d/%m/%Y") in page
    assert certificate.expires_on.strftime("%d/%m/%Y") in page


def test_an_adults_name_is_shown_in_full(client, db, teacher, teacher_course):
    certificate = complete(db, teacher, teacher_course)
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Lường Văn Sơn" in page


SHORTENED = "Tên học sinh được viết tắt để bảo vệ các em."


def test_only_a_students_verify_page_explains_the_shortened_name(
    client, db, student, student_course, teacher, teacher_course
):
    students = complete(db, student, student_course)
    adults = complete(db, teacher, teacher_course)
    student_page = client.get(f"/verify/{students.code}").get_data(as_text=True)
    adult_page = client.get(f"/verify/{adults.code}").get_data(as_text=True)
    for page in (student_page, adult_page):
        assert "Trang này chỉ cho biết giấy chứng nhận có thật và còn hiệu lực hay không." in page
    assert SHORTENED in student_page
    assert SHORTENED not in adult_page
    assert "viết tắt" not in adult_page and "Lường Văn Sơn" in adult_page


def test_the_typed_form_accepts_lowercase_and_dashes(client, db, student, student_course):
    certificate = complete(db, student, student_course)
    typed = format_code(certificate.code).lower()
    page = client.get("/verify", query_string={"code": typed}).get_data(as_text=True)
    assert "Giấy chứng nhận còn hiệu lực." in page


def test_a_one_character_typo_is_caught_by_the_check_character(
    client, db, student, student_course
):
    certificate = complete(db, student, student_course)
    page = client.get("/verify", query_string={"code": _typo(certificate.code)}).get_data(
        as_text=True
    )
    assert "Mã xác thực bị gõ sai một ký tự" in page
    assert "Đặng" not in page


def test_an_unknown_well_formed_code_is_not_found(client, db):
    from certificates.codes import new_code

    page = client.get(f"/verify/{new_code()}").get_data(as_text=True)
    assert "Không tìm thấy giấy chứng nhận có mã này" in page


def test_revocation_shows_at_once_with_its_date_but_not_its_reason(
    client, db, student, student_course, manager
):
    certificate = complete(db, student, student_course)
    revoke_certificate(db, certificate, actor=manager, reason="Phụ huynh Nguyễn Văn A khiếu nại")
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "đã bị thu hồi ngày" in page
    local_day = certificate.revoked_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    assert f"đã bị thu hồi ngày {local_day:%d/%m/%Y}" in page
    assert "khiếu nại" not in page
    assert "còn hiệu lực." not in page


def test_an_expired_certificate_says_so(client, db, student, student_course):
    certificate = complete(db, student, student_course)
    certificate.issued_on = dt.date(2020, 1, 10)
    certificate.expires_on = dt.date(2021, 1, 10)
    db.flush()
    page = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "đã hết hạn ngày 10/01/2021" in page


def test_verification_is_rate_limited_per_client(database_url, db):
    app = make_test_app(database_url, LMS_VERIFY_RATE_LIMIT="3 per minute")
    app.extensions["lms"].session_factory = lambda: db
    client = app.test_client()
    from certificates.codes import new_code

    codes = [client.get(f"/verify/{new_code()}").status_code for _ in range(3)]
    assert codes == [200, 200, 200]
    assert client.get("/verify", query_string={"code": new_code()}).status_code == 429
    other = client.get(f"/verify/{new_code()}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_the_verify_page_is_in_english_on_request(client, db, student, student_course):
    certificate = complete(db, student, student_course)
    page = client.get(
        f"/verify/{certificate.code}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Safe at school" in page
