"""The school manager's forms about a child's data: a request received on paper, a refusal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional, ValidationError

from lms_module.core.csrf import ModuleForm
from lms_module.families.data_rights import NOTE_LENGTH, REASON_LENGTH
from lms_module.families.models import DataRequestKind

#: How a date is typed: day/month/year, as Vietnamese forms write it.
DAY_FORMAT = "%d/%m/%Y"
#: How far back a paper request's date may go (a letter found late is still registered).
OLDEST_DAYS = 365


class PaperRequestForm(ModuleForm):
    """A request a parent made on paper (or in person), registered by a school manager.

    :param today: the school's today: the date received is not after it (and is it when left
        empty).
    """

    student = StringField(
        _l("Mã định danh hoặc tên đăng nhập của học sinh"),
        validators=[InputRequired(_l("Hãy nhập mã định danh hoặc tên đăng nhập của em.")),
                    Length(max=80, message=_l("Mã hoặc tên đăng nhập dài tối đa 80 ký tự."))],
    )
    kind = SelectField(
        _l("Yêu cầu"),
        choices=[SelectChoice(DataRequestKind.ERASE.value, _l("Xóa dữ liệu của em")),
                 SelectChoice(DataRequestKind.EXPORT.value, _l("Xuất dữ liệu của em (tệp ZIP)"))],
        validators=[AnyOf([kind.value for kind in DataRequestKind],
                          message=_l("Hãy chọn xóa hoặc xuất dữ liệu."))],
        validate_choice=False,
    )
    received_on = StringField(
        _l("Ngày nhà trường nhận yêu cầu (ngày/tháng/năm)"),
        validators=[Optional(), Length(max=10, message=_l("Hãy ghi ngày như 05/09/2026."))],
    )
    note = TextAreaField(
        _l("Ghi chú (không ghi thông tin riêng của em)"),
        validators=[Optional(), Length(max=NOTE_LENGTH,
                                       message=_l("Ghi chú dài tối đa 200 ký tự."))],
    )

    def __init__(self, today: dt.date, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.today = today
        self.received: dt.date = today

    def validate_received_on(self, field: Field) -> None:
        text = (field.data or "").strip()
        if not text:
            self.received = self.today
            return
        try:
            day = dt.datetime.strptime(text, DAY_FORMAT).date()
        except ValueError:
            raise ValidationError(_l("Hãy ghi ngày như 05/09/2026 (ngày/tháng/năm).")) from None
        if day > self.today:
            raise ValidationError(_l("Ngày nhận không thể sau hôm nay."))
        if day < self.today - dt.timedelta(days=OLDEST_DAYS):
            raise ValidationError(_l("Ngày nhận không thể trước đây quá một năm."))
        self.received = day


class RefuseForm(ModuleForm):
    """Refusing a request: the reason is kept with it and shown to the parent."""

    reason = StringField(
        _l("Lý do từ chối"),
        validators=[InputRequired(_l("Hãy ghi lý do từ chối để gửi lại cho người yêu cầu.")),
                    Length(max=REASON_LENGTH, message=_l("Lý do dài tối đa 250 ký tự."))],
    )
