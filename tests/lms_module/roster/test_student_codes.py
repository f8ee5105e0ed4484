"""Student codes as schools have them: how a cell's code is normalised, classified or refused,
and the codes the system makes for a list without codes."""

from __future__ import annotations

import pytest

from lms_module.roster.student_codes import (
    StudentCode,
    StudentCodeError,
    is_made_code,
    made_student_code,
    read_student_code,
)

ACCEPTED = "mã định danh của Bộ GD&ĐT (10 chữ số) hoặc mã 12 chữ số"


@pytest.mark.parametrize("text", ["0123456789", "012345678901", " 0123 456 789 ", "'012345678901"])
def test_ten_and_twelve_digit_codes_are_national(request_context, text):
    code = read_student_code(text)
    assert code.national
    assert code.value == "".join(c for c in text if c.isdigit())


@pytest.mark.parametrize(
    ("text", "stored"),
    [("HS0001", "HS0001"), ("hs0001", "HS0001"), (" Hs 0001 ", "HS0001"),
     ("'hs-2026_a", "HS-2026_A"), ("12345", "12345"), ("A" * 20, "A" * 20),
     ("1234567890123", "1234567890123")],
)
def test_school_made_codes_are_stored_upper_case_and_matched_within_the_school(
    request_context, text, stored
):
    assert read_student_code(text) == StudentCode(stored, national=False)


def test_the_same_code_in_any_case_is_one_code(request_context):
    assert read_student_code("hs0001") == read_student_code("HS0001")


@pytest.mark.parametrize(("text", "digits"), [("12345678901", 12), ("123456789", 10)])
def test_a_national_code_that_lost_its_leading_zero_is_refused_with_the_fix(
    request_context, text, digits
):
    with pytest.raises(StudentCodeError) as refused:
        read_student_code(text)
    assert refused.value.message == (
        f"Mã định danh “{text}” không hợp lệ: có {digits - 1} chữ số, có thể Excel đã bỏ mất số "
        "0 ở đầu."
    )
    assert f"gõ lại đủ {digits} chữ số, kể cả số 0 ở đầu" in refused.value.fix


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("HS/0001", "có ký tự không được dùng: /"),
        ("HSĐ01", "có ký tự không được dùng: Đ"),
        ("HS.01#", "có ký tự không được dùng: # ."),
        ("_HS01", "phải bắt đầu bằng chữ cái hoặc chữ số"),
        ("A" * 21, "dài 21 ký tự, tối đa 20"),
    ],
)
def test_codes_in_no_accepted_form_are_refused_saying_what_is_accepted(
    request_context, text, reason
):
    with pytest.raises(StudentCodeError) as refused:
        read_student_code(text)
    assert refused.value.message == f"Mã định danh “{text}” không hợp lệ: {reason}."
    assert ACCEPTED in refused.value.fix
    assert "tối đa 20 ký tự (ví dụ HS0001)" in refused.value.fix


def made(**changes):
    fields = {"school_id": 7, "school_year": "2026-2027", "class_key": "2a",
              "name": "Nguyễn Thị Hoa", "occurrence": 1, **changes}
    return made_student_code(**fields)


def test_made_codes_are_the_same_for_the_same_child_of_the_same_list():
    assert made() == made()
    assert made(name="  nguyễn   thị HOA ") == made()  # case and spacing aside


def test_made_codes_differ_for_namesakes_other_names_classes_schools_and_years():
    codes = {made(), made(occurrence=2), made(name="Nguyễn Thị Hòa"), made(class_key="2b"),
             made(school_id=8), made(school_year="2027-2028")}
    assert len(codes) == 6


def test_made_codes_are_recognisable_school_codes_that_fit_the_column(request_context):
    code = made()
    assert code.startswith("TD26-") and len(code) == 15
    assert is_made_code(code)
    assert read_student_code(code) == StudentCode(code, national=False)
    assert read_student_code(code.lower()).made
    assert not is_made_code("HS0001")
