"""Parents' pages (linking by letter, privacy notice, own children); managers' letters, consent.

The linking flow keeps the letter a visitor opened in the session cookie (its id, once the
code was checked), never in a later URL: ``/lien-ket?ma=CODE`` (the QR code) or the typed
code → the notice (agree or not) → a new account or signing in to an existing one → linked.
A signed-in parent who opens another letter answers the notice and is linked at once.
"""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as flask_session
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import (
    has_role,
    is_signed_in,
    public,
    record_denial,
    requires,
    signed_in,
    user_can,
)
from lms_module.auth.services import authenticate
from lms_module.auth.sessions import start_session
from lms_module.certification.services import certificate_status, certificates_of
from lms_module.core.downloads import private_file
from lms_module.core.errors import LMSError
from lms_module.core.limiter import (
    account_key,
    account_limit,
    address_limit,
    limiter,
    sign_in_failed,
)
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.core.urls import public_url
from lms_module.coverage.exports import report_issuer
from lms_module.db import db_session
from lms_module.families.accounts import create_parent_account
from lms_module.families.consent import (
    NOTICE_VERSION,
    ConsentStatus,
    StudentCannotLinkError,
    class_consent,
    give_consent,
    refuse,
    standing_consent,
    withdraw,
)
from lms_module.families.forms import (
    CodeForm,
    NewParentForm,
    NoticeForm,
    ParentSignInForm,
)
from lms_module.families.letter_pdf import LetterContent, render_parent_letters
from lms_module.families.letters import (
    LetterCodeError,
    check_letter,
    format_letter_code,
    letter_for_code,
    normalize_letter_code,
    print_class_letters,
    revoke_class_letters,
    standing_letters,
)
from lms_module.families.models import Kinship, ParentLetter
from lms_module.families.services import (
    NotYourChildError,
    check_may_follow,
    child_school,
    current_class,
)
from lms_module.i18n import local_today
from lms_module.learning.services import course_progress, courses_for_user
from lms_module.obligations.query import training_statuses
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import enclosing_school
from lms_module.people.models import Role, User
from lms_module.school_years.current import current_school_year

bp = Blueprint("families", __name__, template_folder="templates")

#: Session keys of the linking flow: the letter whose code was checked, then the answer.
LETTER_KEY = "lms_parent_letter"
KINSHIP_KEY = "lms_parent_kinship"


# ------------------------------------------------------------------------------ rate limits


def _code_limit() -> str:
    """Wrong codes allowed per client address (``LMS_PARENT_CODE_RATE_LIMIT``)."""
    return str(current_app.config["LMS_PARENT_CODE_RATE_LIMIT"])


def _typed_code() -> str:
    return (request.form.get("code") or request.args.get("ma") or "")[:40]


def _code_key() -> str:
    """Key the per-letter limit on the code (hashed: counters never hold codes)."""
    code = normalize_letter_code(_typed_code()) or ""
    return "letter:" + hashlib.sha256(code.encode("ascii")).hexdigest()


def _no_code() -> bool:
    return normalize_letter_code(_typed_code()) is None


def _code_failed(response: Response) -> bool:
    return response.status_code >= 400


def _record_refused(limit: RequestLimit) -> None:
    """Audit a linking attempt refused by a rate limit."""
    session = db_session()
    session.rollback()
    record_event(session, "parent_link_rate_limited", ip=client_ip(), limit=str(limit.limit),
                 endpoint=request.endpoint)
    session.commit()


# ---------------------------------------------------------------------------- linking flow


def _code_page(form: CodeForm, error: LetterCodeError | None = None) -> tuple[str, int]:
    status = error.status_code if error is not None else (400 if form.errors else 200)
    return render_template(
        "families/link_start.html", form=form, error=error.message if error else None
    ), status


@bp.route("/lien-ket", methods=["GET", "POST"])
@public
@limiter.limit(_code_limit, deduct_when=_code_failed, on_breach=_record_refused)
@limiter.limit(account_limit, key_func=_code_key, exempt_when=_no_code,
               on_breach=_record_refused)
def link_start() -> str | BaseResponse | tuple[str, int]:
    """Check a letter's code, from its QR code (``?ma=``) or typed, then show the notice."""
    form = CodeForm()
    typed: str | None = None
    if request.method == "GET" and request.args.get("ma"):
        typed = request.args.get("ma", "")[:40]
        form.code.data = typed
    elif form.validate_on_submit():
        typed = form.code.data
    if not typed:
        return _code_page(form)
    try:
        letter = letter_for_code(db_session(), typed, local_today())
    except LetterCodeError as error:
        return _code_page(form, error)
    flask_session[LETTER_KEY] = letter.id
    flask_session.pop(KINSHIP_KEY, None)
    return redirect(url_for(".notice"))


def _flow_letter() -> ParentLetter | None:
    """Return the letter this visitor's code opened, while it can still be used."""
    letter_id = flask_session.get(LETTER_KEY)
    if not isinstance(letter_id, int) or isinstance(letter_id, bool):
        return None
    letter = db_session().get(ParentLetter, letter_id)
    if letter is None:
        return None
    try:
        check_letter(letter, local_today())
    except LetterCodeError as error:
        flash(error.message, "error")
        _end_flow()
        return None
    return letter


def _end_flow() -> None:
    flask_session.pop(LETTER_KEY, None)
    flask_session.pop(KINSHIP_KEY, None)


def _start_again() -> BaseResponse:
    if not flask_session.get("_flashes"):
        flash(_("Hãy quét mã QR trên thư hoặc gõ mã trước."), "error")
    return redirect(url_for(".link_start"))


def _refuse_students() -> None:
    session = db_session()
    if is_signed_in() and has_role(session, current_person(), Role.STUDENT):
        raise StudentCannotLinkError()


@bp.route("/lien-ket/thong-bao", methods=["GET", "POST"])
@public
def notice() -> str | BaseResponse | tuple[str, int]:
    """Show the privacy notice and record the answer (agree, with who the adult is, or not)."""
    letter = _flow_letter()
    if letter is None:
        return _start_again()
    _refuse_students()
    session = db_session()
    form = NoticeForm()
    answer = request.form.get("answer")
    if form.validate_on_submit() and answer in ("agree", "refuse"):
        adult = current_person() if is_signed_in() else None
        child = letter.child
        if answer == "refuse":
            refuse(session, child=child, adult=adult, letter=letter, ip=client_ip(),
                   mode=current_app.config["LMS_CONSENT_WITHDRAWAL"])
            session.commit()
            _end_flow()
            return render_template("families/refused.html")
        kinship = form.kinship.data
        if isinstance(kinship, Kinship):
            if adult is None:
                flask_session[KINSHIP_KEY] = kinship.value
                return redirect(url_for(".account"))
            return _link_signed_in(adult, letter, kinship)
        form.kinship.errors = [_("Hãy chọn anh chị là gì của em.")]
    elif request.method == "POST":
        form.kinship.errors = list(form.kinship.errors or []) or [
            _("Hãy chọn Đồng ý hoặc Không đồng ý.")
        ]
    return render_template(
        "families/notice.html", letter=letter, form=form, school=child_school(session,
                                                                              letter.child),
        class_unit=current_class(session, letter.child), version=NOTICE_VERSION,
        notice_template=f"families/notice/{NOTICE_VERSION}.html",
    ), 400 if request.method == "POST" else 200


def _link_signed_in(adult: User, letter: ParentLetter, kinship: Kinship) -> BaseResponse:
    """Link the signed-in adult to the letter's child and show the child."""
    session = db_session()
    link = give_consent(session, adult=adult, letter=letter, kinship=kinship,
                        today=local_today(), ip=client_ip())
    session.commit()
    _end_flow()
    flash(_("Đã liên kết với em %(name)s.", name=link.child.full_name), "success")
    return redirect(url_for(".child", child_id=link.child_user_id))


def _flow_kinship() -> Kinship | None:
    try:
        return Kinship(str(flask_session.get(KINSHIP_KEY)))
    except ValueError:
        return None


def _agreed_flow() -> tuple[ParentLetter, Kinship] | BaseResponse:
    """Return the letter and the answer of a visitor who agreed to the notice and is not
    signed in, or where they must go instead (the code first, or the notice)."""
    letter = _flow_letter()
    if letter is None:
        return _start_again()
    kinship = _flow_kinship()
    if kinship is None or is_signed_in():
        return redirect(url_for(".notice"))
    return letter, kinship


def _account_page(letter: ParentLetter, new_form: NewParentForm,
                  sign_in_form: ParentSignInForm, error: str | None = None) -> str:
    return render_template("families/account.html", letter=letter, new_form=new_form,
                           sign_in_form=sign_in_form, error=error)


@bp.route("/lien-ket/tai-khoan", methods=["GET", "POST"])
@public
@limiter.limit(address_limit, methods=["POST"], on_breach=_record_refused)
def account() -> str | BaseResponse | tuple[str, int]:
    """Make the parent's account (after they agreed), link it and sign it in."""
    flow = _agreed_flow()
    if not isinstance(flow, tuple):
        return flow
    letter, kinship = flow
    new_form = NewParentForm()
    if new_form.validate_on_submit():
        session = db_session()
        try:
            user = create_parent_account(
                session, full_name=new_form.full_name.data or "",
                phone=new_form.phone.data or "", secret=new_form.secret.data or "",
                ip=client_ip(),
            )
            give_consent(session, adult=user, letter=letter, kinship=kinship,
                         today=local_today(), ip=client_ip())
        except LMSError as error:
            session.rollback()
            return _account_page(letter, new_form, ParentSignInForm(formdata=None),
                                 error.message), error.status_code
        record_event(session, "login", actor_id=user.id, subject_user_id=user.id,
                     ip=client_ip(), via="parent_letter")
        session.commit()
        start_session(user, student=False)
        return redirect(url_for(".welcome"))
    status = 400 if request.method == "POST" else 200
    return _account_page(letter, new_form, ParentSignInForm(formdata=None)), status


@bp.post("/lien-ket/dang-nhap")
@public
@limiter.limit(address_limit, on_breach=_record_refused)
@limiter.limit(account_limit, key_func=account_key, deduct_when=sign_in_failed,
               on_breach=_record_refused)
def account_sign_in() -> str | BaseResponse | tuple[str, int]:
    """Sign in to an existing account (a second child), then link it to the letter's child."""
    flow = _agreed_flow()
    if not isinstance(flow, tuple):
        return flow
    letter, kinship = flow
    form = ParentSignInForm()
    if not form.validate_on_submit():
        return _account_page(letter, NewParentForm(formdata=None), form), 400
    session = db_session()
    user = authenticate(session, form.username.data or "", form.password.data or "",
                        ip=client_ip())
    session.commit()
    if user is None:
        return _account_page(letter, NewParentForm(formdata=None), form,
                             _("Tên đăng nhập hoặc mã PIN (mật khẩu) không đúng.")), 401
    link = give_consent(session, adult=user, letter=letter, kinship=kinship,
                        today=local_today(), ip=client_ip())
    session.commit()
    start_session(user, student=has_role(session, user, Role.STUDENT))
    flash(_("Đã liên kết với em %(name)s.", name=link.child.full_name), "success")
    return redirect(url_for(".child", child_id=link.child_user_id))


@bp.get("/lien-ket/xong")
@signed_in
def welcome() -> str:
    """Show the new account's username, to be written down, and the child just linked."""
    return render_template("families/welcome.html", user=current_person())


# ------------------------------------------------------------------------ a parent's child


def _followed_child(child_id: int) -> User:
    """Return the child if the signed-in adult follows it; refuse (403, audited) otherwise."""
    session = db_session()
    user = current_person()
    child = session.get(User, child_id)
    try:
        if child is None:
            raise NotYourChildError()
        check_may_follow(session, user, child)
    except NotYourChildError:
        record_denial(session, user, None)
        raise
    return child


@bp.get("/children/<int:child_id>")
@signed_in
def child(child_id: int) -> str:
    """Show a parent one of their children: class, courses and progress, what is due,
    certificates, the talk cards and the consent given."""
    followed = _followed_child(child_id)
    session = db_session()
    today = local_today()
    courses = [(c, course_progress(session, followed, c))
               for c in courses_for_user(session, followed)]
    due = training_statuses(
        session, user=followed, school_year=str(current_school_year()), today=today,
        expiring_window_days=int(current_app.config["LMS_EXPIRING_WINDOW_DAYS"]),
    )
    certificates = [(c, certificate_status(c, today)) for c in certificates_of(session, followed)]
    return render_template(
        "families/child.html", child=followed, class_unit=current_class(session, followed),
        school=child_school(session, followed), courses=courses, due=due,
        certificates=certificates, consent=standing_consent(session, current_person(), followed),
        language=current_language(),
        erase_on_withdrawal=current_app.config["LMS_CONSENT_WITHDRAWAL"] == "unlink-and-erase",
    )


@bp.post("/children/<int:child_id>/withdraw-consent")
@signed_in
def withdraw_consent(child_id: int) -> str | BaseResponse:
    """Withdraw consent for a child (after a confirmation that says what follows)."""
    followed = _followed_child(child_id)
    erase = current_app.config["LMS_CONSENT_WITHDRAWAL"] == "unlink-and-erase"
    if request.form.get("confirmed") != "yes":
        return render_template("families/withdraw_confirm.html", child=followed, erase=erase)
    session = db_session()
    withdraw(session, adult=current_person(), child=followed, ip=client_ip(),
             mode=current_app.config["LMS_CONSENT_WITHDRAWAL"])
    session.commit()
    flash(_("Đã rút lại đồng ý. Anh chị không còn xem được thông tin của em %(name)s.",
            name=followed.full_name), "success")
    return redirect(url_for("lms.home.index"))


# ------------------------------------------------------------- the school's letters, consent


def _class_only(unit: OrgUnit) -> OrgUnit:
    if unit.kind is not OrgKind.CLASS:
        abort(404)
    return unit


@bp.get("/classes/<int:unit_id>/families")
@requires(Role.SCHOOL_MANAGER, Role.TEACHER, unit_arg="unit_id", personal_data=True)
def class_page(unit: OrgUnit) -> str:
    """A class's parent letters (managers print and revoke them) and consent status (who has
    not answered), for the school's managers and the class's teachers; audited."""
    class_unit = _class_only(unit)
    session = db_session()
    user = current_person()
    consent = class_consent(session, class_unit)
    can_manage = user_can(session, user, (Role.SCHOOL_MANAGER,), class_unit, admin_counts=False)
    record_event(session, "view_class_consent", actor_id=user.id, org_unit_id=class_unit.id,
                 ip=client_ip(), count=len(consent.status_of))
    session.commit()
    return render_template(
        "families/class.html", unit=class_unit, school=enclosing_school(session, class_unit),
        consent=consent, Status=ConsentStatus, can_manage=can_manage,
        standing=standing_letters(session, class_unit, local_today()),
        days=current_app.config["LMS_PARENT_LETTER_DAYS"],
        uses=current_app.config["LMS_PARENT_LETTER_USES"],
    )


@bp.post("/classes/<int:unit_id>/parent-letters.pdf")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def print_letters(unit: OrgUnit) -> Response:
    """Print the class's parent letters (A4 PDF, one a page); older letters are revoked."""
    class_unit = _class_only(unit)
    session = db_session()
    config = current_app.config
    today = local_today()
    school = enclosing_school(session, class_unit)
    assert school is not None
    issuer = report_issuer(session, school, current_language())
    typing_url = public_url(url_for(".link_start"))  # refused before anything is written
    letters = print_class_letters(
        session, class_unit, actor=current_person(), today=today,
        days=int(config["LMS_PARENT_LETTER_DAYS"]), uses=int(config["LMS_PARENT_LETTER_USES"]),
        ip=client_ip(),
    )
    contents = [
        LetterContent(
            governing_body=issuer.governing, school_name=school.name, place=issuer.place,
            printed_on=today, child_name=letter.child.full_name, class_name=class_unit.name,
            code=format_letter_code(letter.code),
            link_url=public_url(url_for(".link_start", ma=letter.code)), typing_url=typing_url,
            expires_on=letter.expires_on, max_uses=letter.max_uses,
            hotline=str(config["LMS_HOTLINE"]),
        )
        for letter in letters
    ]
    pdf = render_parent_letters(
        contents, title=_("Thư gửi cha mẹ lớp %(name)s", name=class_unit.name)
    )
    session.commit()
    return private_file(pdf, filename=f"thu-cha-me-{class_unit.code}.pdf",
                        mimetype="application/pdf")


@bp.post("/classes/<int:unit_id>/parent-letters/revoke")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def revoke_letters(unit: OrgUnit) -> str | BaseResponse:
    """Revoke every letter of the class not yet used up (after a confirmation)."""
    class_unit = _class_only(unit)
    if request.form.get("confirmed") != "yes":
        return render_template("families/revoke_confirm.html", unit=class_unit)
    session = db_session()
    count = revoke_class_letters(session, class_unit, actor=current_person(), ip=client_ip())
    session.commit()
    flash(_("Đã thu hồi %(count)s thư gửi cha mẹ của lớp %(name)s.", count=count,
            name=class_unit.name), "success")
    return redirect(url_for(".class_page", unit_id=class_unit.id))

