"""The form a school manager gives a class its teachers with (without a roster file)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from lms_module.core.csrf import ModuleForm
from lms_module.core.inputs import bounded_int

#: The homeroom choice that means "no homeroom teacher".
NOBODY = 0


def _user_id(value: object) -> int | None:
    return bounded_int(str(value), minimum=NOBODY)


class ClassTeachersForm(ModuleForm):
    """A class's homeroom teacher (one, or nobody) and its subject teachers, chosen among the
    school's teachers.

    :param teachers: the choices: each teacher's id and name.
    """

    homeroom = SelectField(_l("Giáo viên chủ nhiệm"), coerce=_user_id, validate_choice=False)
    subject = SelectMultipleField(
        _l("Giáo viên giảng dạy"), coerce=_user_id, validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )

    def __init__(self, teachers: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.homeroom.choices = [SelectChoice(NOBODY, _l("(chưa có)"))] + [
            SelectChoice(id_, name) for id_, name in teachers
        ]
        self.subject.choices = [SelectChoice(id_, name) for id_, name in teachers]

    def validate_homeroom(self, field: Field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Hãy chọn một giáo viên của trường."))

    def validate_subject(self, field: Field) -> None:
        allowed = {choice.value for choice in field.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError(_l("Hãy chọn các giáo viên của trường."))
