"""Sign-in and sign-out, QR login cards."""

from __future__ import annotations

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
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_login import logout_user
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import has_role, public, requires, signed_in
from lms_module.auth.cards import LoginCard, render_login_cards
from lms_module.auth.forms import LoginForm
from lms_module.auth.services import (
    authenticate,
    card_expiry,
    login_card_token,
    revoke_login_cards,
    sign_out,
    user_for_card_token,
)
from lms_module.auth.sessions import start_session
from lms_module.core.limiter import (
    account_key,
    account_limit,
    address_limit,
    card_key,
    limiter,
    sign_in_failed,
)
from lms_module.core.request import client_ip, current_person
from lms_module.core.urls import local_target, public_url
from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.orgs.models import OrgKind, OrgUnit
from lms_module.orgs.services import enclosing_school
from lms_module.people.models import Role, User
from lms_module.people.services import class_students, given_name

bp = Blueprint("auth", __name__, template_folder="templates")


def _record_refused_sign_in(limit: RequestLimit) -> None:
    """Audit a sign-in refused by a rate limit (which limit, from where, for which name)."""
    session = db_session()
    session.rollback()
    record_event(
        session,
        "login_rate_limited",
        ip=client_ip(),
        limit=str(limit.limit),
        endpoint=request.endpoint,
        username=request.form.get("username", "")[:80] or None,
    )
    session.commit()


def _sign_in(user: User) -> None:
    """Open a fresh session for ``user`` (students get the shorter idle limit)."""
    start_session(user, student=has_role(db_session(), user, Role.STUDENT))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(address_limit, methods=["POST"], on_breach=_record_refused_sign_in)
@limiter.limit(
    account_limit,
    key_func=account_key,
    methods=["POST"],
    deduct_when=sign_in_failed,
    on_breach=_record_refused_sign_in,
)
def login() -> str | BaseResponse:
    """Sign in with username and password."""
    form = LoginForm()
    if form.validate_on_submit():
        session = db_session()
        user = authenticate(session, form.username.data, form.password.data, ip=client_ip())
        session.commit()
        if user is not None:
            _sign_in(user)
            return redirect(local_target(request.args.get("next")) or url_for("lms.home.index"))
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@signed_in
def logout() -> BaseResponse:
    """Sign out: this session and every copy of it stop working."""
    session = db_session()
    sign_out(session, current_person(), ip=client_ip())
    session.commit()
    logout_user()
    return redirect(url_for("lms.auth.login"))


@bp.route("/card/<token>", methods=["GET", "POST"])
@public
@limiter.limit(address_limit, on_breach=_record_refused_sign_in)
@limiter.limit(
    account_limit, key_func=card_key, methods=["POST"], on_breach=_record_refused_sign_in
)
def card_login(token: str) -> str | BaseResponse:
    """Sign in from a printed QR card: greet the child, then one button to enter."""
    session = db_session()
    user = user_for_card_token(
        session, token, current_app.config["SECRET_KEY"], today=local_today()
    )
    if user is None:
        return render_template("auth/card_invalid.html"), 404  # type: ignore[return-value]
    if request.method == "POST":
        record_event(
            session, "login", actor_id=user.id, subject_user_id=user.id, ip=client_ip(), via="card"
        )
        session.commit()
        _sign_in(user)
        return redirect(url_for("lms.home.index"))
    return render_template("auth/card_login.html", name=given_name(user.full_name))


@bp.get("/units/<int:unit_id>/login-cards.pdf")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def class_login_cards(unit: OrgUnit) -> Response:
    """Print the QR login cards of every student of a class (A4 PDF)."""
    class_unit = unit
    if class_unit.kind is not OrgKind.CLASS:
        abort(404)
    session = db_session()
    school = enclosing_school(session, class_unit)
    secret = current_app.config["SECRET_KEY"]
    expires = card_expiry(local_today())
    students = class_students(db_session(), class_unit)
    cards = [
        LoginCard(
            full_name=student.full_name,
            class_name=class_unit.name,
            school_name=school.name if school else "",
            login_url=public_url(
                url_for(
                    "lms.auth.card_login",
                    token=login_card_token(student, secret, expires=expires),
                )
            ),
        )
        for student in students
    ]
    actor = current_person()
    record_event(
        session,
        "login_cards_printed",
        actor_id=actor.id,
        org_unit_id=class_unit.id,
        ip=client_ip(),
        count=len(cards),
        expires=expires.isoformat(),
    )
    session.commit()
    title = _("Thẻ đăng nhập lớp %(name)s", name=class_unit.name)
    pdf = render_login_cards(cards, title=title)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="the-dang-nhap-{class_unit.code}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/units/<int:unit_id>/students/<int:user_id>/revoke-cards")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def revoke_cards(unit: OrgUnit, user_id: int) -> BaseResponse:
    """Invalidate a student's printed cards (lost or shared card) and end their sessions."""
    class_unit = unit
    student = next((s for s in class_students(db_session(), class_unit) if s.id == user_id), None)
    if student is None:
        abort(404)
    session = db_session()
    revoke_login_cards(
        session,
        student,
        actor=current_person(),
        org_unit_id=class_unit.id,
        ip=client_ip(),
    )
    session.commit()
    flash(_("Đã thu hồi thẻ đăng nhập cũ của %(name)s.", name=student.full_name), "success")
    return redirect(url_for("lms.home.class_detail", unit_id=class_unit.id))
