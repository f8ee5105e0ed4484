"""The "Cùng con trò chuyện" cards of a child's courses, for the child's parents."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("talk_cards", __name__, template_folder="templates")
