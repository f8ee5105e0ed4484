"""Student codes as schools keep them: read and classify a code from a roster cell, and make a
stable code for a child on a list that has none.

Every code is stored normalised (no spaces, upper case), so "hs0001" and "HS0001" are one
child. There are two namespaces (``User.student_code_school_id``):

- national codes, matched in the whole system: the sector database's student code (10
  digits) and codes of a citizen ID's length (12 digits);
- school codes, matched within their school only: codes a school made up (letters, digits,
  "-" and "_", e.g. HS0001) and the codes the system makes for a list without codes
  ("TD26-…"). Two schools may both have an HS0001: two children.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from flask_babel import gettext as _

from lms_module.core.errors import LMSError
from lms_module.people.services import normalize_text
from lms_module.roster.columns import MAX_STUDENT_CODE_LENGTH, NATIONAL_STUDENT_CODE_LENGTHS
from lms_module.roster.plan import clean_code

_SCHOOL_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]*")
#: A code the system made: "TD", the school year's first two digits, a dash, ten letters.
_MADE_CODE = re.compile(r"TD\d{2}-[A-Z2-7]{10}")


@dataclass(frozen=True, slots=True)
class StudentCode:
    """A normalised student code and its namespace."""

    value: str
    #: Matched in the whole system; otherwise within the child's school.
    national: bool

    @property
    def made(self) -> bool:
        """Tell whether the system made this code (for a list without codes)."""
        return is_made_code(self.value)


class StudentCodeError(LMSError):
    """A student code in none of the accepted forms; ``fix`` says which forms are accepted."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def accepted_code_forms() -> str:
    """Return the sentence that tells a school which student codes are accepted."""
    return str(
        _(
            "Mã học sinh có thể là: mã định danh của Bộ GD&ĐT (10 chữ số) hoặc mã 12 chữ số "
            "(dài như số căn cước), dùng chung cả hệ thống; hoặc mã trường tự đặt gồm chữ cái "
            "không dấu, chữ số, dấu “-” và “_”, tối đa %(limit)s ký tự (ví dụ HS0001), chỉ "
            "dùng trong trường. Chữ hoa hay thường đều được: hs0001 và HS0001 là một em.",
            limit=MAX_STUDENT_CODE_LENGTH,
        )
    )


def made_codes_explained() -> str:
    """Return what happens to a list without codes, and how a school keeps its codes stable."""
    return str(
        _(
            "Danh sách không có cột mã (chỉ có STT, Họ và tên, Lớp) cũng nhập được: hệ thống tự "
            "tạo mã cho từng em (bắt đầu bằng “TD”, chỉ dùng trong trường) và khi nhập lại thì "
            "nhận ra em theo trường, lớp và họ tên, nên không tạo trùng. Để mã ổn định: giữ đúng "
            "họ tên và tên lớp như lần nhập trước (sửa họ tên hay chuyển lớp trong năm sẽ được coi "
            "là em mới); hai em trùng họ tên trong một lớp được phân biệt theo thứ tự dòng, hãy "
            "giữ thứ tự đó. Tốt nhất là thêm cột Mã định danh: em đã nhập không có mã sẽ nhận mã "
            "đó khi họ tên và lớp khớp."
        )
    )


def normalize_student_code(text: str) -> str:
    """Return a code as stored: without spaces or Excel's text apostrophe, in upper case."""
    return clean_code(text).upper()


def read_student_code(text: str) -> StudentCode:
    """Classify a (non-empty) code from a roster cell.

    :raises StudentCodeError: the code is in none of the accepted forms.
    """
    code = normalize_student_code(text)
    shown = text.strip()
    if code.isascii() and code.isdigit():
        if len(code) in NATIONAL_STUDENT_CODE_LENGTHS:
            return StudentCode(code, national=True)
        if len(code) + 1 in NATIONAL_STUDENT_CODE_LENGTHS:
            raise StudentCodeError(
                _("Mã định danh “%(code)s” không hợp lệ: có %(length)s chữ số, có thể Excel đã "
                  "bỏ mất số 0 ở đầu.", code=shown, length=len(code)),
                _("Hãy định dạng cột mã là Văn bản (Text) rồi gõ lại đủ %(length)s chữ số, kể "
                  "cả số 0 ở đầu.", length=len(code) + 1),
            )
    if len(code) > MAX_STUDENT_CODE_LENGTH:
        raise StudentCodeError(
            _("Mã định danh “%(code)s” không hợp lệ: dài %(length)s ký tự, tối đa %(limit)s.",
              code=shown, length=len(code), limit=MAX_STUDENT_CODE_LENGTH),
            accepted_code_forms(),
        )
    if not _SCHOOL_CODE.fullmatch(code):
        bad = sorted({c for c in code if not (c.isascii() and (c.isalnum() or c in "-_"))})
        reason = (
            _("có ký tự không được dùng: %(chars)s", chars=" ".join(bad)) if bad
            else _("phải bắt đầu bằng chữ cái hoặc chữ số")
        )
        raise StudentCodeError(
            _("Mã định danh “%(code)s” không hợp lệ: %(reason)s.", code=shown, reason=reason),
            accepted_code_forms(),
        )
    return StudentCode(code, national=False)


def is_made_code(code: str) -> bool:
    """Tell whether the system made ``code`` for a child on a list without codes."""
    return _MADE_CODE.fullmatch(code) is not None


def name_key(name: str) -> str:
    """Return how a child's name is matched on a list without codes: case and spacing aside,
    letter for letter (tones included, so "Hoa" and "Hòa" are two children)."""
    return normalize_text(name).casefold()


def made_student_code(
    *, school_id: int, school_year: str, class_key: str, name: str, occurrence: int
) -> str:
    """Return the code the system gives a child on a list without codes.

    The same school, school year, class, name and occurrence (the second "Nguyễn Văn An" of
    a class is occurrence 2) always give the same code, so importing the same list again finds
    the same children. The code is a school code (matched within the school), 15 characters.
    """
    seed = f"{school_id}|{school_year}|{class_key}|{name_key(name)}|{occurrence}"
    digest = base64.b32encode(hashlib.sha256(seed.encode()).digest()).decode()
    return f"TD{school_year[2:4]}-{digest[:10]}"
