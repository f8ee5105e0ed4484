"""Verification codes: 80 random bits a person can type, with a check character for typos.

A code is 16 symbols of Crockford's base-32 alphabet (no I, L, O, U: nothing to confuse with
1, 0 or V) and one ISO 7064 MOD 37-2 check character (python-stdnum; 0-9, A-Z or ``*``). A pure
system over the prime 37 catches every single-character error and every swap of two neighbours
(the hybrid MOD 37-36 misses about 1 swap in 700). It is shown in groups of four:
``7KQ2-M9XD-4HPT-B8WZ-D``.
"""

from __future__ import annotations

import secrets

from stdnum.iso7064 import mod_37_2

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 16  # 16 x 5 bits = 80 bits of randomness
#: What people type by mistake for the symbols the alphabet leaves out.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


class InvalidCodeError(ValueError):
    """A typed code that cannot be a verification code (wrong length or check character)."""


def new_code() -> str:
    """Return a new random code in its compact form (17 characters)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + mod_37_2.calc_check_digit(body)


def format_code(code: str) -> str:
    """Group a compact code in fours for printing: ``7KQ2-M9XD-4HPT-B8WZ-D``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(typed: str) -> str:
    """Return the compact code a person meant, or raise :class:`InvalidCodeError`.

    Spaces, dashes and case are ignored; look-alike letters in the random part are read as the
    symbols they resemble. The check character is compared as typed.
    """
    compact = "".join(ch for ch in typed.upper() if ch.isalnum() or ch == "*")
    if len(compact) != BODY_LENGTH + 1:
        raise InvalidCodeError(f"Mã xác thực có {BODY_LENGTH + 1} ký tự (không kể dấu gạch).")
    body = compact[:BODY_LENGTH].translate(LOOKALIKES)
    if any(ch not in ALPHABET for ch in body):
        raise InvalidCodeError("Mã xác thực chỉ gồm chữ số và chữ cái in hoa.")
    code = body + compact[BODY_LENGTH]
    if not mod_37_2.is_valid(code):
        raise InvalidCodeError("Mã xác thực bị gõ sai một ký tự. Hãy kiểm tra lại từng ký tự.")
    return code
