"""The notices a person sees, and what a school sends (registered in web.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")
