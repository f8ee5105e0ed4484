"""Sign-in forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from lms_module.core.csrf import ModuleForm


class LoginForm(ModuleForm):
    """Username and password."""

    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Hãy nhập tên đăng nhập.")), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mật khẩu"),
        validators=[DataRequired(_l("Hãy nhập mật khẩu.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
