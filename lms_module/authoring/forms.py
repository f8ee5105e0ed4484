"""Course upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from lms_module.core.csrf import ModuleForm


class CourseUploadForm(ModuleForm):
    """One course as an OLX archive (.tar.gz), inline or in the Open edX export layout."""

    archive = FileField(
        _l("Tệp khóa học (.tar.gz, OLX)"),
        validators=[FileRequired(_l("Hãy chọn tệp khóa học .tar.gz."))],
    )
