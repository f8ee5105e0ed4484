"""OLX parsing needs only the runtime: stable ids, content written to a field store, errors
that name the file and line; no database."""

from __future__ import annotations

import pytest
from runtime_support import QUIZ, SLUG, parse_sample

from lms_module.xblock_runtime.field_data import MemoryFieldStore
from lms_module.xblock_runtime.ids import BlockKey
from lms_module.xblock_runtime.olx import (
    CONTENT_SCOPES,
    OlxError,
    parse_course_blocks,
    read_course_tree,
)
from lms_module.xblock_runtime.runtime import LmsRuntime, MemoryUrls, completes_on_view


def parse(files: dict[str, bytes], store: MemoryFieldStore | None = None):
    root, root_url_name = read_course_tree(files)
    return parse_course_blocks(root, root_url_name, "thu", store or MemoryFieldStore())


def course(body: str) -> dict[str, bytes]:
    return {"course.xml": f'<course url_name="goc" display_name="Thử">{body}</course>'.encode()}


def test_the_same_olx_gives_the_same_ids_and_content():
    first, second = MemoryFieldStore(), MemoryFieldStore()
    assert parse_sample(first) == parse_sample(second)
    assert first.rows == second.rows
    assert QUIZ in [block.usage_id for block in parse_sample(MemoryFieldStore()).blocks]


def test_parsing_writes_only_shared_content_fields():
    store = MemoryFieldStore()
    parsed = parse_sample(store)
    assert {owner for owner, _bid, _scope, _name in store.rows} == {None}
    assert {scope for _owner, _bid, scope, _name in store.rows} <= set(CONTENT_SCOPES)
    assert parsed.root_usage_id == BlockKey(SLUG, "course", "em_an_toan").usage_id


def test_blocks_are_listed_parents_first_with_their_depth_and_scoring():
    parsed = parse_sample(MemoryFieldStore())
    by_id = {block.usage_id: block for block in parsed.blocks}
    quiz = by_id[QUIZ]
    assert (quiz.has_score, quiz.completion_mode, quiz.depth) == (True, "completable", 4)
    assert by_id[quiz.parent_usage_id].position < quiz.position
    assert parsed.block_types()["vertical"] == 4


def test_open_edx_pointers_are_read_from_their_files():
    files = {
        **course('<chapter url_name="c1"/>'),
        "chapter/c1.xml": (
            '<chapter display_name="Chương một"><html url_name="h1" filename="h1"/></chapter>'
        ).encode(),
        "html/h1.html": "<p>Gọi 111</p>".encode(),
    }
    store = MemoryFieldStore()
    parsed = parse(files, store)
    assert [b.url_name for b in parsed.blocks] == ["goc", "c1", "h1"]
    runtime = LmsRuntime(course_slug="thu", fields=store, urls=MemoryUrls())
    html = runtime.render(
        runtime.get_block(BlockKey("thu", "chapter", "c1").usage_id), "student_view", {}
    ).body_html()
    assert "Chương một" in html and "Gọi 111" in html


def test_an_unknown_tag_becomes_a_visible_placeholder_that_viewing_does_not_complete():
    store = MemoryFieldStore()
    parsed = parse(course('<chapter url_name="c1"><video url_name="v1"/></chapter>'), store)
    video = BlockKey("thu", "video", "v1").usage_id
    assert parsed.unknown == {"video": [video]}
    runtime = LmsRuntime(course_slug="thu", fields=store, urls=MemoryUrls())
    block = runtime.get_block(video)
    assert "video" in runtime.render(block, "student_view", {}).body_html()
    assert not completes_on_view(block)


def test_missing_url_names_are_derived_from_the_place_of_the_block():
    parsed = parse(course("<chapter><html>Một</html><html>Hai</html></chapter>"))
    assert [b.url_name for b in parsed.blocks] == [
        "goc",
        "goc_chapter1",
        "goc_chapter1_html1",
        "goc_chapter1_html2",
    ]


def test_malformed_xml_is_refused_naming_the_file_and_line():
    with pytest.raises(OlxError, match=r"Tệp course.xml, dòng 3: XML không hợp lệ"):
        parse({"course.xml": b'<course display_name="x">\n<chapter>\n</course>'})


def test_a_url_name_used_twice_is_refused_naming_the_file_and_line():
    body = '<chapter url_name="c1">\n<html url_name="h">A</html>\n<html url_name="h">B</html>'
    with pytest.raises(OlxError) as refused:
        parse(course(body + "</chapter>"))
    assert refused.value.message == "Tệp course.xml, dòng 3: url_name “h” của <html> bị trùng."


def test_the_root_must_be_a_course():
    with pytest.raises(OlxError, match="thẻ gốc phải là <course>"):
        parse({"course.xml": b"<chapter/>"})
