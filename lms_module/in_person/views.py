"""Recording sessions held in person and their attendance."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("in_person", __name__, template_folder="templates")
