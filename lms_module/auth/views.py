"""Sign-in and sign-out, QR login cards."""

from __future__ import annotations

from typing import Any

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
from flask_login import logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import has_role, is_signed_in, public, requires, signed_in
from lms_module.auth.cards import LoginCard, classmate_names, render_login_cards
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
from lms_module.core.downloads import private_file
from lms_module.core.errors import render_http_error
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
from lms_module.people.services import active_memberships, class_students, given_name

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


@bp.post("/quick-exit")
@public
def quick_exit() -> BaseResponse:
    """Leave at once for the neutral exit page, ending the visitor's session on the way.

    Never refused and never an error page: a child fleeing a screen must get away even when
    the page was open too long for its form token (:func:`quick_exit_without_token`) or the
    database is away (the cookie is still dropped, so this browser is signed out).
    """
    if is_signed_in():
        session = db_session()
        try:
            sign_out(session, current_person(), ip=client_ip())
            session.commit()
        except SQLAlchemyError:
            session.rollback()
    return _leave()


def _leave() -> BaseResponse:
    """Drop this browser's session and send it to the exit page (303: the next is a GET)."""
    logout_user()
    flask_session.clear()
    return redirect(current_app.config["LMS_QUICK_EXIT_URL"], code=303)


@bp.errorhandler(CSRFError)
def quick_exit_without_token(error: CSRFError) -> Any:
    """Let a quick exit whose token expired still leave (this browser's session is dropped;
    a cross-site form cannot use this, the session cookie is not sent with it); any other form
    gets the usual page."""
    if request.endpoint == "lms.auth.quick_exit":
        return _leave()
    return render_http_error(error)


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
    return render_template("auth/card_login.html", name=_card_name(user))


def _card_name(user: User) -> str:
    """Return the name the card page greets ``user`` with: as on their card, the given name,
    told apart from classmates who share it."""
    session = db_session()
    for membership in active_memberships(session, user):
        if membership.role is Role.STUDENT and membership.org_unit.kind is OrgKind.CLASS:
            classmates = class_students(session, membership.org_unit)
            names = classmate_names([student.full_name for student in classmates])
            for student, name in zip(classmates, names, strict=True):
                if student.id == user.id:
                    return name
    return given_name(user.full_name)


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
    short_names = classmate_names([student.full_name for student in students])
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
            short_name=short_name,
            number=number,
        )
        for number, (student, short_name) in enumerate(
            zip(students, short_names, strict=True), start=1
        )
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
    return private_file(pdf, filename=f"the-dang-nhap-{class_unit.code}.pdf",
                        mimetype="application/pdf", inline=True)


@bp.post("/units/<int:unit_id>/students/<int:user_id>/revoke-cards")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id", personal_data=True)
def revoke_cards(unit: OrgUnit, user_id: int) -> str | BaseResponse:
    """Invalidate a student's printed cards (lost or shared card) and end their sessions.

    Only once confirmed: a form without ``confirmed=yes`` (no script to ask, or a stale page)
    gets a page that states what revoking does, with the confirming button and a way back.
    """
    class_unit = unit
    student = next((s for s in class_students(db_session(), class_unit) if s.id == user_id), None)
    if student is None:
        abort(404)
    if request.form.get("confirmed") != "yes":
        return render_template(
            "auth/revoke_cards_confirm.html", unit=class_unit, student=student
        )
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
