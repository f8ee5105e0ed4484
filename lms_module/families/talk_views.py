"""The "Cùng con trò chuyện" cards of a child's courses, for the child's parents."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template
from werkzeug.wrappers import Response as BaseResponse

from lms_module.audit.services import record_event
from lms_module.auth.access import may_see_names, record_denial, signed_in
from lms_module.core.assets import StaticFiles
from lms_module.core.request import client_ip, current_language, current_person
from lms_module.db import db_session
from lms_module.families.services import current_class, may_follow
from lms_module.learning.talk_cards import child_talk_cards
from lms_module.people.models import Role, User

bp = Blueprint("talk_cards", __name__, template_folder="templates")

#: The cards' stylesheet (screen and print) and the print button's script.
STATIC_FILES = StaticFiles(Path(__file__).resolve().parent / "static" / "talk_cards")
bp.url_defaults(STATIC_FILES.url_defaults)
#: Who besides the child's linked adults may open the cards: the school's managers and the
#: teachers of the child's class (:func:`~lms_module.auth.access.may_see_names`).
CLASS_STAFF_ROLES = (Role.SCHOOL_MANAGER, Role.TEACHER)


# Like every blueprint's ``static`` endpoint, public without a marker (tests/lms_module/auth).
@bp.get("/talk-cards-static/<path:filename>")
def static(filename: str) -> BaseResponse:
    """Serve the cards' stylesheet and script (``core/assets.py``: immutable when hashed)."""
    return STATIC_FILES.response(filename)


@bp.get("/children/<int:child_id>/talk-cards")
@signed_in
def child_cards(child_id: int) -> str:
    """Show the cards of the child's grade band courses, finished units marked, printable.

    A linked parent sees their own child's; the school's managers and the class's teachers
    any child of theirs (audited); anyone else gets 403, written to the audit trail.
    """
    session = db_session()
    user = current_person()
    child = session.get(User, child_id)
    class_unit = current_class(session, child) if child is not None else None
    parent = child is not None and may_follow(session, user, child)
    school_adult = (
        not parent
        and class_unit is not None
        and may_see_names(session, user, CLASS_STAFF_ROLES, class_unit)
    )
    if child is None or not (parent or school_adult):
        # The same answer whether the child exists or not: ids are not to be probed.
        record_denial(session, user, class_unit)
        abort(403)
    if school_adult:
        record_event(
            session, "view_talk_cards", actor_id=user.id, subject_user_id=child.id,
            org_unit_id=class_unit.id if class_unit is not None else None, ip=client_ip(),
        )
        session.commit()
    return render_template(
        "talk_cards/child_cards.html",
        child=child,
        class_unit=class_unit,
        courses=child_talk_cards(session, child),
        language=current_language(),
    )
