"""Verification codes are random, typeable and catch typos."""

from __future__ import annotations

import math

import pytest

from certificates.codes import (
    ALPHABET,
    BODY_LENGTH,
    InvalidCodeError,
    format_code,
    new_code,
    normalize_code,
)


def test_codes_carry_at_least_80_bits_of_randomness():
    assert BODY_LENGTH * math.log2(len(ALPHABET)) >= 80
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000


def test_a_printed_code_reads_back_with_spaces_dashes_and_lower_case():
    code = new_code()
    assert normalize_code(format_code(code)) == code
    assert normalize_code(" " + format_code(code).lower().replace("-", " ") + " ") == code


def test_every_single_character_typo_is_caught():
    code = new_code()
    for position in range(BODY_LENGTH):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(InvalidCodeError, match="gõ sai một ký tự"):
                normalize_code(typo)


@pytest.mark.parametrize("attempt", range(200))
def test_swapping_two_neighbours_is_caught(attempt):
    code = new_code()
    for position in range(BODY_LENGTH - 1):
        if code[position] == code[position + 1]:
            continue
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        with pytest.raises(InvalidCodeError):
            normalize_code(swapped)


def test_letter_o_typed_for_zero_is_understood():
    code = new_code()
    body = code[:BODY_LENGTH]
    if "0" not in body:
        body = "0" + body[1:]
        from stdnum.iso7064 import mod_37_2

        code = body + mod_37_2.calc_check_digit(body)
    assert normalize_code(code.replace("0", "O", 1)) == code


@pytest.mark.parametrize("typed", ["", "ABC", "7KQ2-M9XD-4HPT-B8WZ-DD", "%%%%%%%%%%%%%%%%%"])
def test_malformed_codes_get_a_vietnamese_message(typed):
    with pytest.raises(InvalidCodeError, match="Mã xác thực"):
        normalize_code(typed)
