"""The form that records a session held in person and who attended it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import InputRequired, Length, ValidationError

from lms_module.core.csrf import ModuleForm
from lms_module.core.inputs import bounded_int
from lms_module.in_person.services import MAX_TEXT

#: How a browser's date picker sends a day, and how a person types one on a form without it.
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


def _id(value: object) -> int | None:
    return bounded_int(str(value))


class SessionDayField(StringField):  # type: ignore[misc]
    """The day a session was held: the date picker's 2026-11-20 or a typed 20/11/2026.

    ``data`` is the date, or ``None`` until a valid one is sent.
    """

    data: dt.date | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        for day_format in DAY_FORMATS:
            try:
                self.data = dt.datetime.strptime(text, day_format).date()
            except ValueError:
                continue
            return
        raise ValueError(_l("Hãy chọn ngày diễn ra buổi học (ngày/tháng/năm, ví dụ 20/11/2026)."))

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.isoformat() if self.data else ""


class SessionForm(ModuleForm):
    """A session: the course it stands for, day, place, facilitator, who attended, the sheet.

    The page lays out the labels and the family list (``in_person/record.html``): the ticked
    adults come as ``attendee`` (their ids), the children whose adult came without being on the
    list as ``present_child`` (with ``adult_name_<child id>`` and ``kinship_<child id>``).

    :param courses: the choices of ``course``: each course's id and label.
    """

    course = SelectField(coerce=_id, validate_choice=False)
    held_on = SessionDayField()
    place = StringField(validators=[
        InputRequired(_l("Hãy ghi địa điểm, ví dụ: Phòng học lớp 2A.")),
        Length(max=MAX_TEXT, message=_l("Địa điểm dài quá %(max)d ký tự.")),
    ])
    facilitator = StringField(validators=[
        InputRequired(_l("Hãy ghi người hướng dẫn buổi học.")),
        Length(max=MAX_TEXT, message=_l("Tên người hướng dẫn dài quá %(max)d ký tự.")),
    ])
    #: A staff training's periods (tiết BDTX) per attendee; empty: the course's.
    credit_periods = StringField()
    #: A staff training that gives no certificate (ticked; absent: the course's certificate is
    #: issued, as for every session before).
    no_certificates = BooleanField()
    attendee = SelectMultipleField(coerce=_id, validate_choice=False)
    present_child = SelectMultipleField(coerce=_id, validate_choice=False)
    sheet = FileField()

    def __init__(self, courses: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.course.choices = [SelectChoice(id_, label) for id_, label in courses]

    def validate_course(self, field: Field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Hãy chọn khóa học mà buổi học này thay cho."))

    def validate_held_on(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(
                _l("Hãy chọn ngày diễn ra buổi học (ngày/tháng/năm, ví dụ 20/11/2026).")
            )

    def validate_credit_periods(self, field: Field) -> None:
        text = (field.data or "").strip()
        if text and not (text.isascii() and text.isdigit()):
            raise ValidationError(
                _l("Số tiết bồi dưỡng phải là một số nguyên, ví dụ 8 (để trống: theo khóa học).")
            )

    def periods(self) -> int | None:
        """Return the periods typed (``None``: left empty, the course's)."""
        text = (self.credit_periods.data or "").strip()
        return int(text) if text else None

    def validate_attendee(self, field: Field) -> None:
        if any(value is None for value in field.data or []):
            raise ValidationError(_l("Danh sách có mặt không hợp lệ. Hãy tải lại trang."))

    def validate_present_child(self, field: Field) -> None:
        self.validate_attendee(field)
