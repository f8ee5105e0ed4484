"""Learner pages (my courses, outline, unit player, results) and the XBlock endpoints."""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import quote

import webob
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response as BaseResponse

from lms_module.auth.access import ACCESS_ATTRIBUTE, is_signed_in, signed_in
from lms_module.core.assets import kept_url
from lms_module.core.errors import JSON_ENDPOINTS, LMSError, render_http_error
from lms_module.core.inputs import InvalidInputError, json_object_body
from lms_module.core.request import current_language, current_person
from lms_module.db import db_session
from lms_module.i18n import local_today
from lms_module.learning.attempts import renew, renewal_offer
from lms_module.learning.block_files import find_block_file, shared_block_file
from lms_module.learning.models import BlockUsage, Course, CourseAsset
from lms_module.learning.player import (
    handle_block_request,
    handler_expects_json,
    record_view,
    render_inline_resource,
    render_unit,
)
from lms_module.learning.services import (
    addresses_as_child,
    check_may_take_course,
    course_outline,
    course_units,
    courses_for_user,
    current_attempt,
    get_course,
    jump_target,
    last_position,
    progress_for_page,
    version_blocks,
)
from lms_module.xblock_runtime.field_data import ScopeWriteRefusedError
from lms_module.xblock_runtime.fragment_resources import (
    CONTENT_TYPES,
    EXTENSIONS,
    InlineResourceCache,
    page_resources,
)
from lms_module.xblock_runtime.ids import parse_block_id
from lms_module.xblock_runtime.page_scripts import JQUERY_PATH
from lms_module.xblock_runtime.services import course_asset_name

bp = Blueprint("learning", __name__, template_folder="templates")

#: Handler URL placeholders the client-side runtime fills in.
USAGE_PLACEHOLDER = "__usage__"
HANDLER_PLACEHOLDER = "__handler__"

#: Inline css/js of the blocks rendered by this worker, served at their own URLs (CSP).
INLINE_RESOURCES = InlineResourceCache()
_DIGEST = re.compile(r"^[0-9a-f]{64}$")

F = TypeVar("F", bound=Callable[..., Any])


class FlaskRuntimeUrls:
    """Build the runtime's URLs with ``url_for`` (inside a request)."""

    def __init__(self, course_slug: str) -> None:
        self.course_slug = course_slug

    def handler(self, usage_id: str, handler_name: str, suffix: str, query: str) -> str:
        url = url_for("lms.learning.handler", usage_id=usage_id, handler_name=handler_name)
        if suffix:
            url += "/" + quote(suffix.lstrip("/"))
        return url + (f"?{query}" if query else "")

    def block_resource(self, block_type: str, uri: str) -> str:
        # One URL per file content, whichever block type asks (block_files.py), built once:
        # every block of every page names its css and js. A name that is no file of the
        # block is not kept (a block may name anything).
        shared = shared_block_file(block_type, uri)
        if shared is None:
            return url_for("lms.learning.block_resource", block_type=block_type, uri=uri)
        return kept_url(
            ("block_resource", shared.block_type, shared.hashed_uri),
            lambda: url_for(
                "lms.learning.block_resource", block_type=shared.block_type, uri=shared.hashed_uri
            ),
        )

    def resource(self, path: str) -> str:
        return url_for("lms.core.static", filename=path)

    def course_asset(self, path: str) -> str:
        return url_for("lms.learning.course_asset", slug=self.course_slug, path=path)

    def jump_to_id(self, url_name: str) -> str:
        return url_for("lms.learning.jump_to_id", slug=self.course_slug, url_name=url_name)


def _json_error(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": message}), status


#: Said to a signed-out browser calling a handler (a fetch cannot follow a sign-in redirect).
SIGNED_OUT_MESSAGE = (
    "Chưa đăng nhập, hoặc phiên đăng nhập đã hết hạn. Hãy tải lại trang và đăng nhập."
)


def signed_in_json(view: F) -> F:
    """Like :func:`signed_in`, but a signed-out caller gets a 401 JSON error, not a redirect."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return _json_error(SIGNED_OUT_MESSAGE, 401)
        return view(*args, **kwargs)

    setattr(wrapped, ACCESS_ATTRIBUTE, "signed_in")
    return cast(F, wrapped)


# ---------------------------------------------------------------------------------- pages


@bp.app_context_processor
def reader_context() -> dict[str, Any]:
    """Let every page ask ``reader_is_child()``: speak to the signed-in reader as "em"?

    Asked lazily (once a page needs it) and once per request
    (:func:`~lms_module.learning.services.addresses_as_child` is the rule).
    """

    def reader_is_child() -> bool:
        if "lms_reader_is_child" not in g:
            try:
                g.lms_reader_is_child = is_signed_in() and addresses_as_child(
                    db_session(), current_person()
                )
            except SQLAlchemyError:  # an error page while the database is away
                g.lms_reader_is_child = False
        return bool(g.lms_reader_is_child)

    return {"reader_is_child": reader_is_child}


@bp.get("/courses")
@signed_in
def my_courses() -> str:
    """Show "Khóa học của em" (a child) or "Khóa học của tôi": the courses, with progress.

    Records a passed course's missed completion (:func:`progress_for_page`), then commits.
    """
    session = db_session()
    user = current_person()
    rows = [(c, progress_for_page(session, user, c)) for c in courses_for_user(session, user)]
    if any(progress.completion_recorded for _course, progress in rows):
        session.commit()
    return render_template("learning/my_courses.html", rows=rows, language=current_language())


def _open_course(slug: str) -> Course:
    session = db_session()
    course = get_course(session, slug)
    check_may_take_course(session, current_person(), course)
    return course


def _open_course_blocks(slug: str) -> tuple[Course, list[BlockUsage]]:
    """Return the course the user may take and its current version's blocks."""
    course = _open_course(slug)
    assert course.current_version is not None  # get_course only returns loaded courses
    return course, version_blocks(db_session(), course.current_version)


@bp.get("/courses/<slug>")
@signed_in
def outline(slug: str) -> str:
    """Show the course outline with a tick for every completed unit.

    Records a passed course's missed completion (:func:`progress_for_page`), then commits.
    """
    session = db_session()
    course, blocks = _open_course_blocks(slug)
    progress = progress_for_page(session, current_person(), course, blocks)
    if progress.completion_recorded:
        session.commit()
    return render_template(
        "learning/outline.html",
        course=course,
        outline=course_outline(blocks),
        progress=progress,
        attempt=current_attempt(session, current_person().id, course.id),
        offer=renewal_offer(
            session, current_person(), course, today=local_today(),
            window_days=int(current_app.config["LMS_EXPIRING_WINDOW_DAYS"]),
        ),
        resume=last_position(session, current_person(), course),
        language=current_language(),
    )


@bp.post("/courses/<slug>/renew")
@signed_in
def renew_course(slug: str) -> BaseResponse:
    """Open the course again to renew the learner's certificate ("Học lại để gia hạn").

    Progress then counts afresh; completing the course issues a new certificate.
    """
    session = db_session()
    course = _open_course(slug)
    renew(session, current_person(), course, today=local_today(),
          window_days=int(current_app.config["LMS_EXPIRING_WINDOW_DAYS"]))
    session.commit()
    flash(_("Đã mở lại khóa học. Em hãy học lại từ đầu để nhận giấy chứng nhận mới.")
          if addresses_as_child(session, current_person())
          else _("Đã mở lại khóa học. Hãy học lại từ đầu để nhận giấy chứng nhận mới."), "success")
    return redirect(url_for(".outline", slug=slug))


@bp.get("/courses/<slug>/resume")
@signed_in
def resume(slug: str) -> BaseResponse:
    """Open the unit the learner left, or the first one."""
    session = db_session()
    course, blocks = _open_course_blocks(slug)
    units = course_units(blocks)
    if not units:
        abort(404)
    position = last_position(session, current_person(), course)
    target = position if position in {u.usage_id for u in units} else units[0].usage_id
    return redirect(url_for(".unit", slug=slug, usage_id=target))


@bp.get("/courses/<slug>/units/<usage_id>")
@signed_in
def unit(slug: str, usage_id: str) -> str:
    """Show one unit with previous/next links; writes nothing.

    The page's script then posts to :func:`unit_viewed` to record the view.
    """
    session = db_session()
    course = get_course(session, slug)  # render_unit refuses a course not for this learner
    rendered = render_unit(
        session,
        current_person(),
        course,
        usage_id,
        FlaskRuntimeUrls(slug),
        language=current_language(),
    )
    resources, inline = page_resources(
        rendered.fragment.resources,
        rendered.inline_origins,
        lambda usage_id, digest, kind: url_for(
            ".inline_resource", usage_id=usage_id, digest=digest, ext=EXTENSIONS[kind]
        ),
    )
    INLINE_RESOURCES.put(current_person().id, inline)
    return render_template(
        "learning/unit.html",
        course=course,
        rendered=rendered,
        progress=rendered.progress,
        css_urls=resources.css_urls,
        js_urls=resources.js_urls,
        handler_template=url_for(
            ".handler", usage_id=USAGE_PLACEHOLDER, handler_name=HANDLER_PLACEHOLDER
        ),
        jquery_path=JQUERY_PATH,
        render_writes=_sign_render_writes(usage_id, rendered.render_writes),
        language=current_language(),
    )


#: How long a unit page may bring back what its blocks stored while it rendered (seconds).
RENDER_WRITES_MAX_AGE = 6 * 3600


def _render_writes_serializer() -> URLSafeTimedSerializer:
    secret = current_app.secret_key
    assert secret is not None  # init_app sets one when the host app has none
    return URLSafeTimedSerializer(secret, salt="lms.learning.render-writes")


def _sign_render_writes(usage_id: str, writes: list[dict[str, Any]]) -> str:
    """Sign what the unit's blocks stored while rendering, for the page to bring back with
    its view (empty: they stored nothing, as our own blocks never do)."""
    if not writes:
        return ""
    payload = {"user": current_person().id, "unit": usage_id, "writes": writes}
    return _render_writes_serializer().dumps(payload)


class RenderWritesRefusedError(LMSError):
    """A unit page brought back a record of its render that is not ours for this learner."""

    status_code = 400

    def __init__(self) -> None:
        super().__init__(_("Trang này không còn hợp lệ. Hãy tải lại trang."))


def _signed_render_writes(usage_id: str) -> list[dict[str, Any]] | None:
    """Return the render writes the page sent with its view, checked (``None``: none sent, or
    too old to keep: the blocks' checks then see the values as they are).

    :raises RenderWritesRefusedError: not signed by us, or for another learner or unit.
    """
    token = request.form.get("render_writes", "")
    if not token:
        return None
    try:
        payload = _render_writes_serializer().loads(token, max_age=RENDER_WRITES_MAX_AGE)
    except SignatureExpired:
        return None
    except BadSignature as error:
        raise RenderWritesRefusedError() from error
    if payload.get("user") != current_person().id or payload.get("unit") != usage_id:
        raise RenderWritesRefusedError()
    return list(payload["writes"])


@bp.post("/courses/<slug>/units/<usage_id>/viewed")
@signed_in_json
def unit_viewed(slug: str, usage_id: str) -> Any:
    """Record that the learner viewed a unit (sent once by the unit page's script).

    Remembers the unit as their place and completes its plain content (complete on view),
    and keeps what the unit's blocks stored while the page rendered (``render_writes``, signed
    by :func:`unit`); answers JSON, errors in Vietnamese. Sending it again records nothing
    more.
    """
    session = db_session()
    try:
        recorded = record_view(
            session,
            current_person(),
            get_course(session, slug),
            usage_id,
            FlaskRuntimeUrls(slug),
            language=current_language(),
            render_writes=_signed_render_writes(usage_id),
        )
    except LMSError as error:
        session.rollback()
        return _json_error(error.message, error.status_code)
    session.commit()
    progress = recorded.progress
    return jsonify(
        {
            "completed": recorded.completed,
            "percent": progress.percent,
            "course_completed": progress.completed_at is not None,
        }
    )


@bp.get("/courses/<slug>/results")
@signed_in
def results(slug: str) -> str:
    """Show the learner's scores, the pass mark and whether the course is completed.

    Records a passed course's missed completion (:func:`progress_for_page`), then commits.
    """
    session = db_session()
    course, blocks = _open_course_blocks(slug)
    progress = progress_for_page(session, current_person(), course, blocks)
    if progress.completion_recorded:
        session.commit()
    scored = [b for b in blocks if b.has_score]
    return render_template(
        "learning/results.html",
        course=course,
        progress=progress,
        scored=scored,
        language=current_language(),
    )


@bp.get("/courses/<slug>/static/<path:path>")
@signed_in
def course_asset(slug: str, path: str) -> Response:
    """Serve a file of the course's ``static/`` folder to its learners."""
    session = db_session()
    course = _open_course(slug)
    asset = session.scalar(
        select(CourseAsset).where(
            CourseAsset.course_version_id == course.current_version_id,
            CourseAsset.path.in_({path, course_asset_name(path)}),
        )
    )
    if asset is None:
        # Versions loaded before files were stored under Open edX's names kept the path.
        wanted = course_asset_name(path)
        stored = session.execute(
            select(CourseAsset.id, CourseAsset.path).where(
                CourseAsset.course_version_id == course.current_version_id
            )
        ).all()
        asset_id = next((i for i, p in stored if course_asset_name(p) == wanted), None)
        if asset_id is None:
            abort(404)
        asset = session.get_one(CourseAsset, asset_id)
    response = Response(asset.data, mimetype=asset.content_type)
    # Opened on its own (an SVG, say), a course file can run nothing.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    response.cache_control.private = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/courses/<slug>/jump_to_id/<url_name>")
@signed_in
def jump_to_id(slug: str, url_name: str) -> BaseResponse:
    """Open the unit that shows the block ``url_name`` (Open edX's ``/jump_to_id/`` links
    between pages of a course); an unknown one is a Vietnamese 404."""
    course, blocks = _open_course_blocks(slug)
    unit = jump_target(blocks, url_name)
    return redirect(url_for(".unit", slug=course.slug, usage_id=unit.usage_id))


# ---------------------------------------------------------------------------------- XBlock


@bp.get("/xblock/resource/<block_type>/<path:uri>")
@signed_in
def block_resource(block_type: str, uri: str) -> BaseResponse:
    """Serve a css/js file packaged with a block class (``local_resource_url``).

    Pages name it by content (``block_files.py``): that URL is kept for a year; the plain
    path is still served, to be revalidated. Signed-in only, like every page that shows
    blocks (so the public surface stays small), hence ``private``.
    """
    found = find_block_file(block_type, uri)
    if found is None:
        abort(404)
    block_file, current = found
    mimetype = mimetypes.guess_type(block_file.uri)[0] or "application/octet-stream"
    response = Response(block_file.data, mimetype=mimetype)
    response.set_etag(block_file.digest)
    response.cache_control.private = True
    if current:
        response.cache_control.max_age = 365 * 24 * 3600
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response.make_conditional(request)


@bp.get("/xblock/<usage_id>/inline/<digest>.<ext>")
@signed_in
def inline_resource(usage_id: str, digest: str, ext: str) -> Response:
    """Serve a block's inline css or js (``add_css``/``add_javascript``) as a file.

    The URL names the content (its SHA-256), so it never changes: browsers keep it.
    """
    kind = next((k for k, e in EXTENSIONS.items() if e == ext), None)
    if kind is None or not _DIGEST.match(digest):
        abort(404)
    user = current_person()
    resource = INLINE_RESOURCES.get(user.id, usage_id, digest)
    if resource is None:
        # Rendered again read-only: a GET writes nothing (view counters, complete-on-view).
        key = parse_block_id(usage_id)
        resource = render_inline_resource(
            db_session(),
            user,
            usage_id,
            digest,
            FlaskRuntimeUrls(key.course_slug if key is not None else ""),
            language=current_language(),
        )
    if resource is None or resource.kind != kind:
        abort(404)
    response = Response(resource.text, content_type=CONTENT_TYPES[kind])
    response.cache_control.private = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    return response


@bp.url_value_preprocessor
def keep_handler_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Read a handler call's raw body before anything parses it as a form.

    The CSRF check (a before_request of the parent blueprint) reads ``request.form``, which
    consumes a form-encoded body; the block must still get it whole. URL value preprocessors
    run before any before_request function, and a cached body is what form parsing then uses.
    """
    if endpoint == "lms.learning.handler":
        request.get_data(cache=True, parse_form_data=False)


@bp.post("/xblock/<usage_id>/handler/<handler_name>", defaults={"suffix": ""})
@bp.post("/xblock/<usage_id>/handler/<handler_name>/<path:suffix>")
@signed_in_json
def handler(usage_id: str, handler_name: str, suffix: str) -> Any:
    """Run a block handler for the signed-in learner; errors come back as Vietnamese JSON."""
    session = db_session()
    body = request.get_data(cache=True)
    wants_json = request.mimetype == "application/json" or handler_expects_json(
        session, usage_id, handler_name
    )
    if wants_json:
        try:
            json_object_body(body)  # the block parses it again: only its shape is checked
        except InvalidInputError as error:
            return _json_error(error.message, error.status_code)
    block_request = webob.Request(dict(request.environ))
    block_request.body = body
    try:
        key = parse_block_id(usage_id)
        course_slug = key.course_slug if key is not None else ""
        response = handle_block_request(
            session,
            current_person(),
            usage_id,
            handler_name,
            block_request,
            FlaskRuntimeUrls(course_slug),
            suffix=suffix,
            language=current_language(),
        )
    except LMSError as error:
        session.rollback()
        return _json_error(error.message, error.status_code)
    except ScopeWriteRefusedError:
        session.rollback()
        return _json_error("Người học không được thay đổi nội dung khóa học.", 403)
    session.commit()
    headers = [(k, v) for k, v in response.headerlist if k.lower() != "content-length"]
    return Response(response.body, status=response.status_code, headers=headers)


@bp.errorhandler(CSRFError)
def csrf_refused(error: CSRFError) -> Any:
    """Answer a call from the player's script without a valid CSRF token in JSON (pages: the
    usual page)."""
    if request.endpoint in JSON_ENDPOINTS:
        if not is_signed_in():
            return _json_error(SIGNED_OUT_MESSAGE, 401)
        return _json_error("Phiên làm việc đã hết hạn. Hãy tải lại trang và thử lại.", 400)
    return render_http_error(error)
