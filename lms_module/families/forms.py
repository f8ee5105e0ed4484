"""The parents' forms: the letter's code, the answer to the notice, a new account, signing in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lms_module.core.csrf import ModuleForm
from lms_module.families.accounts import MAX_NAME_LENGTH
from lms_module.families.models import Kinship

#: How the pages name an adult's tie to the child (as the adult says; not checked): the
#: parents' forms and the in-person attendance form.
KINSHIP_LABELS = {
    Kinship.MOTHER: _l("Mẹ"),
    Kinship.FATHER: _l("Bố"),
    Kinship.GRANDPARENT: _l("Ông, bà"),
    Kinship.CAREGIVER: _l("Người chăm sóc, người giám hộ"),
    Kinship.OTHER: _l("Người thân khác"),
}


def _kinship(value: object) -> Kinship | None:
    try:
        return Kinship(str(value))
    except ValueError:
        return None


class CodeForm(ModuleForm):
    """The code printed on a parent letter."""

    code = StringField(
        _l("Mã trên thư (8 ký tự)"),
        validators=[DataRequired(_l("Hãy gõ mã in trên thư của nhà trường.")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "inputmode": "text"},
    )


class NoticeForm(ModuleForm):
    """The answer to the privacy notice, and who the adult is to the child."""

    kinship = SelectField(
        _l("Anh chị là gì của em?"), coerce=_kinship, validate_choice=False,
        choices=[SelectChoice(k.value, label) for k, label in KINSHIP_LABELS.items()],
    )


class NewParentForm(ModuleForm):
    """A new parent account: name, an optional phone number, a PIN or password twice."""

    full_name = StringField(
        _l("Họ và tên của anh chị"),
        validators=[DataRequired(_l("Hãy ghi họ và tên của anh chị.")),
                    Length(max=MAX_NAME_LENGTH)],
        render_kw={"autocomplete": "name"},
    )
    phone = StringField(
        _l("Số điện thoại (không bắt buộc)"), validators=[Optional(), Length(max=20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    secret = PasswordField(
        _l("Mã PIN 6 số (hoặc mật khẩu từ 8 ký tự)"),
        validators=[DataRequired(_l("Hãy chọn mã PIN hoặc mật khẩu.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    secret_again = PasswordField(
        _l("Gõ lại mã PIN (hoặc mật khẩu)"),
        validators=[DataRequired(_l("Hãy gõ lại mã PIN hoặc mật khẩu.")),
                    EqualTo("secret", _l("Hai lần gõ chưa giống nhau. Hãy gõ lại."))],
        render_kw={"autocomplete": "new-password"},
    )


class ParentSignInForm(ModuleForm):
    """Signing in with an existing account to add another child."""

    username = StringField(
        _l("Tên đăng nhập"),
        validators=[DataRequired(_l("Hãy nhập tên đăng nhập.")), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Mã PIN hoặc mật khẩu"),
        validators=[DataRequired(_l("Hãy nhập mã PIN hoặc mật khẩu.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
