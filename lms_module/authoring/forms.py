"""Course upload form and the re-training rule form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length

from lms_module.core.csrf import ModuleForm
from lms_module.core.inputs import bounded_int
from lms_module.coverage.report import AUDIENCE_LABELS


class CourseUploadForm(ModuleForm):
    """One course as an OLX archive (.tar.gz), inline or in the Open edX export layout."""

    archive = FileField(
        _l("Tệp khóa học (.tar.gz, OLX)"),
        validators=[FileRequired(_l("Hãy chọn tệp khóa học .tar.gz."))],
    )


#: How a date is typed: day/month/year, as Vietnamese forms write it.
DAY_FORMAT = "%d/%m/%Y"


class DateTextField(StringField):  # type: ignore[misc]
    """A date typed as day/month/year ("31/05/2027"); ``data`` is the date (``None`` until a
    valid one is sent)."""

    data: dt.date | None

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        try:
            self.data = dt.datetime.strptime(text, DAY_FORMAT).date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Ngày phải có dạng ngày/tháng/năm, ví dụ 31/05/2027.")) from None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.strftime(DAY_FORMAT) if self.data else ""


def _course_id(value: object) -> int | None:
    return bounded_int(str(value))


class RetrainingRuleForm(ModuleForm):
    """"People certified in this course before <date> must take it again by <date>"."""

    #: Checked against the loaded courses by the view (an unknown id: "choose a course").
    course = SelectField(_l("Khóa học"), coerce=_course_id, validate_choice=False)
    issued_before = DateTextField(
        _l("Giấy chứng nhận cấp trước ngày"),
        validators=[InputRequired(_l("Hãy nhập ngày, ví dụ 01/09/2026."))],
    )
    retrain_by = DateTextField(
        _l("Phải học lại trước ngày"),
        validators=[InputRequired(_l("Hãy nhập hạn học lại, ví dụ 31/12/2026."))],
    )
    reason = StringField(
        _l("Lý do (nội dung đã sửa)"),
        validators=[Length(max=500, message=_l("Lý do dài quá 500 ký tự."))],
    )


def _grade(value: object) -> int | None:
    return bounded_int(str(value), maximum=12) if value not in (None, "") else None


def _grade_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("—")), *(SelectChoice(g, str(g)) for g in range(1, 13))]


class PublishForm(ModuleForm):
    """Who a loaded draft course is for, chosen before it is offered to anyone."""

    audience = SelectField(
        _l("Đối tượng học"),
        choices=[SelectChoice(a.value, label) for a, label in AUDIENCE_LABELS.items()],
        validators=[InputRequired(_l("Hãy chọn đối tượng học."))],
    )
    grade_min = SelectField(
        _l("Từ lớp"), choices=_grade_choices(), coerce=_grade, validate_choice=False
    )
    grade_max = SelectField(
        _l("Đến lớp"), choices=_grade_choices(), coerce=_grade, validate_choice=False
    )
