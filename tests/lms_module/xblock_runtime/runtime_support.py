"""The sample course parsed into memory, its ids, request helpers (the runtime's own tests)."""

from __future__ import annotations

import json
from typing import Any

import webob

from courses.content import SAMPLE_COURSE
from lms_module.xblock_runtime.field_data import MemoryFieldStore
from lms_module.xblock_runtime.ids import BlockKey
from lms_module.xblock_runtime.olx import (
    ParsedCourse,
    parse_course_blocks,
    read_course_files,
    read_course_tree,
)

SLUG = "em-an-toan-lop-1-2"


def usage(block_type: str, url_name: str) -> str:
    """Return the usage id of a block of the sample course."""
    return BlockKey(SLUG, block_type, url_name).usage_id


QUIZ = usage("quiz", "q1_on_tap")
LESSON = usage("lesson", "l1_quy_tac")
HTML = usage("html", "h1_so_111")
SCENARIO = usage("scenario", "sc1_bi_mat")
REFLECTION = usage("reflection", "r1_nguoi_lon")
LESSON_UNIT = usage("vertical", "u1_quy_tac_dong_quan_ao")
QUIZ_UNIT = usage("vertical", "u3_cau_hoi")
RIGHT_ANSWERS = {"q1": ["a"], "q2": ["a", "b", "c"], "q3": ["false"]}


def json_request(payload: Any) -> webob.Request:
    """Return the POST a browser's runtime sends to a JSON handler."""
    return webob.Request.blank(
        "/", method="POST", body=json.dumps(payload).encode(), content_type="application/json"
    )


def parse_sample(store: MemoryFieldStore) -> ParsedCourse:
    """Parse the sample course into ``store`` as the course loader does (without its rows)."""
    root, root_url_name = read_course_tree(read_course_files(SAMPLE_COURSE))
    root.attrib.pop("slug", None)  # the loader's own attribute, read before parsing
    return parse_course_blocks(root, root_url_name, SLUG, store)
