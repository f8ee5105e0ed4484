"""Roster import pages (upload, preview, confirm)."""

from __future__ import annotations

from flask import Blueprint, render_template

from lms_module.auth.access import requires
from lms_module.orgs.models import OrgUnit
from lms_module.people.models import Role

bp = Blueprint("roster", __name__, template_folder="templates")


@bp.get("/units/<int:unit_id>/roster")
@requires(Role.SCHOOL_MANAGER, unit_arg="unit_id")
def upload(unit: OrgUnit) -> str:
    """Show the upload form."""
    return render_template("lms/error.html", message=unit.name)
