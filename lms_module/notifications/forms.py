"""The form a school manager (or an office reviewer) sets what their unit sends with."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from lms_module.core.csrf import ModuleForm
from lms_module.coverage.forms import PercentField
from lms_module.notifications.models import NoticeKind

#: What each kind is called on the settings and notices pages.
KIND_LABELS = {
    NoticeKind.DUE_SOON: _l("Nhắc trước hạn"),
    NoticeKind.DUE_TODAY: _l("Nhắc đúng ngày hạn"),
    NoticeKind.OVERDUE: _l("Báo quá hạn"),
    NoticeKind.RENEWAL: _l("Báo chứng nhận sắp hết hạn"),
    NoticeKind.ESCALATION_MANAGER: _l("Báo cán bộ quản lý khi giáo viên, nhân viên quá hạn lâu"),
    NoticeKind.ESCALATION_OFFICE: _l("Báo phòng/sở khi nhiều người của trường quá hạn"),
    NoticeKind.WEEKLY_DIGEST: _l("Bản tin tuần cho cán bộ quản lý"),
    NoticeKind.MONTHLY_DIGEST: _l("Bản tin tháng cho phòng/sở"),
}


class NoticeSettingsForm(ModuleForm):
    """Kinds on or off, the reminder and escalation days, e-mail to learners, and (offices
    only) the share of overdue adults the office is told of."""

    days_before = IntegerField(
        _l("Nhắc trước hạn bao nhiêu ngày"),
        validators=[InputRequired(_l("Hãy nhập số ngày.")),
                    NumberRange(0, 90, _l("Số ngày nhắc trước hạn phải từ 0 đến 90."))],
    )
    escalate_after_days = IntegerField(
        _l("Báo cán bộ quản lý khi quá hạn bao nhiêu ngày"),
        validators=[InputRequired(_l("Hãy nhập số ngày.")),
                    NumberRange(0, 365, _l("Số ngày quá hạn phải từ 0 đến 365."))],
    )
    email_learners = BooleanField(_l("Gửi cả thư điện tử cho học sinh, cha mẹ có địa chỉ"))
    office_share_percent = PercentField(
        _l("Báo phòng/sở khi tỉ lệ người quá hạn của một trường từ (%)")
    )
    # One checkbox per kind, named by kind_field_name().
    kind_due_soon = BooleanField(KIND_LABELS[NoticeKind.DUE_SOON])
    kind_due_today = BooleanField(KIND_LABELS[NoticeKind.DUE_TODAY])
    kind_overdue = BooleanField(KIND_LABELS[NoticeKind.OVERDUE])
    kind_renewal = BooleanField(KIND_LABELS[NoticeKind.RENEWAL])
    kind_escalation_manager = BooleanField(KIND_LABELS[NoticeKind.ESCALATION_MANAGER])
    kind_escalation_office = BooleanField(KIND_LABELS[NoticeKind.ESCALATION_OFFICE])
    kind_weekly_digest = BooleanField(KIND_LABELS[NoticeKind.WEEKLY_DIGEST])
    kind_monthly_digest = BooleanField(KIND_LABELS[NoticeKind.MONTHLY_DIGEST])


def kind_field_name(kind: NoticeKind) -> str:
    """The name of the checkbox that switches ``kind`` on."""
    return f"kind_{kind.value}"

