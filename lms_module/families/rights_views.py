"""A child's data rights: the parent's export, the school manager's erasure on request."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("data_rights", __name__, template_folder="templates")
