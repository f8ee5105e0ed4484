"""The form to assign a course: every field is text, checked by the view and the service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField

from lms_module.core.csrf import ModuleForm
from lms_module.obligations.assignments import ASSIGNABLE_ROLES
from lms_module.obligations.models import DueKind
from lms_module.people.labels import ROLE_LABELS

#: How each kind of deadline is offered.
DUE_KIND_LABELS = {
    DueKind.FIXED: _l("Đến một ngày cố định"),
    DueKind.AFTER_JOINING: _l("N ngày sau khi vào trường"),
    DueKind.AFTER_YEAR_START: _l("N ngày sau khi bắt đầu năm học"),
}


class AssignmentForm(ModuleForm):
    """A course or requirement (``what``: "course:<id>" or "requirement:<id>"), a role, a
    grade band for students, and a deadline: a date or a number of days after an event."""

    what = SelectField(_l("Khóa học hoặc yêu cầu"), validate_choice=False)
    role = SelectField(
        _l("Đối tượng"), validate_choice=False,
        choices=[SelectChoice(role.value, ROLE_LABELS[role]) for role in ASSIGNABLE_ROLES],
    )
    grade_min = StringField(_l("Từ khối (học sinh)"), render_kw={"inputmode": "numeric"})
    grade_max = StringField(_l("Đến khối (học sinh)"), render_kw={"inputmode": "numeric"})
    due_kind = SelectField(
        _l("Hạn hoàn thành"), validate_choice=False,
        choices=[SelectChoice(kind.value, label) for kind, label in DUE_KIND_LABELS.items()],
    )
    due_on = StringField(_l("Ngày hạn (ngày/tháng/năm)"))
    due_days = StringField(_l("Số ngày"), render_kw={"inputmode": "numeric"})
