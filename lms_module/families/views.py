"""Parents' pages (linking by letter, privacy notice, own children); managers' letters, consent."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("families", __name__, template_folder="templates")
