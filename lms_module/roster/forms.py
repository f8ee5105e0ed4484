"""Roster upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import RadioField, SelectChoice
from wtforms.validators import AnyOf

from lms_module.core.csrf import ModuleForm
from lms_module.roster.models import RosterKind

#: Extensions offered in the file picker; anything else is refused before reading. Old .xls
#: files pass so that the reader can tell the user to save them as .xlsx.
ACCEPTED_EXTENSIONS = ["xlsx", "csv", "txt", "tsv", "xls"]


class RosterUploadForm(ModuleForm):
    """What the file lists, and the file."""

    kind = RadioField(
        _l("Tệp này là danh sách"),
        choices=[
            SelectChoice(RosterKind.STUDENTS.value, _l("Học sinh")),
            SelectChoice(RosterKind.STAFF.value, _l("Giáo viên, nhân viên, cán bộ quản lý")),
            SelectChoice(RosterKind.UNITS.value, _l("Đơn vị (Sở, xã/phường, trường)")),
        ],
        default=RosterKind.STUDENTS.value,
        validate_choice=False,
        validators=[
            AnyOf([kind.value for kind in RosterKind], _l("Hãy chọn loại danh sách."))
        ],
    )
    file = FileField(
        _l("Tệp danh sách (Excel .xlsx hoặc .csv)"),
        validators=[
            FileRequired(_l("Hãy chọn tệp danh sách cần nhập.")),
            FileAllowed(
                ACCEPTED_EXTENSIONS,
                _l("Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv). Hãy lưu lại dưới dạng .xlsx."),
            ),
        ],
        render_kw={"accept": ".xlsx,.csv,.txt,.tsv,.xls"},
    )
