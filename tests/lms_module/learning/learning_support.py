"""Constants and helpers of the learning tests (the sample course's ids, stub URLs)."""

from __future__ import annotations

from flask import Flask

from lms_module import create_app
from lms_module.xblock_runtime.ids import BlockKey

SLUG = "em-an-toan-lop-1-2"


def usage(block_type: str, url_name: str, slug: str = SLUG) -> str:
    """Return the usage id of a block of the sample course."""
    return BlockKey(slug, block_type, url_name).usage_id


QUIZ = usage("quiz", "q1_on_tap")
SCENARIO = usage("scenario", "sc1_bi_mat")
REFLECTION = usage("reflection", "r1_nguoi_lon")
UNITS = [
    usage("vertical", name)
    for name in ("u1_quy_tac_dong_quan_ao", "u2_bi_mat", "u3_cau_hoi", "u4_suy_nghi")
]
RIGHT_ANSWERS = {"q1": ["a"], "q2": ["a", "b", "c"], "q3": ["false"]}
WRONG_ANSWERS = {"q1": ["b"], "q2": ["d"], "q3": ["true"]}


class StubUrls:
    """Runtime URLs for tests that call services directly."""

    def handler(self, usage_id: str, handler_name: str, suffix: str, query: str) -> str:
        return f"/xblock/{usage_id}/handler/{handler_name}"

    def block_resource(self, block_type: str, uri: str) -> str:
        return f"/xblock/resource/{block_type}/{uri}"

    def resource(self, path: str) -> str:
        return f"/assets/{path}"

    def course_asset(self, path: str) -> str:
        return f"/courses/{SLUG}/static/{path}"


def make_app_sharing_connection(app: Flask, database_url: str) -> Flask:
    """Build a second app (a "restart": nothing kept in memory) on the test's connection."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "LMS_DATABASE_URL": database_url,
            "LMS_SECURE_COOKIES": False,
        }
    )
    other.extensions["lms"].session_factory = app.extensions["lms"].session_factory
    return other
