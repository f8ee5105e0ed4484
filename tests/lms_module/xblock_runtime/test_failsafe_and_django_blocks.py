"""A failing block becomes a placeholder in a unit that still renders; a Django-template block
from PyPI renders with Django, and names the extra to install without it."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from web_fragments.fragment import Fragment
from xblock.core import XBlock

from lms_module.xblock_runtime.field_data import MemoryFieldStore
from lms_module.xblock_runtime.ids import BlockKey
from lms_module.xblock_runtime.olx import parse_course_blocks
from lms_module.xblock_runtime.runtime import LmsRuntime, MemoryUrls

ROOT = Path(__file__).resolve().parents[3]
SLUG = "khoi-loi"
#: xblock-free-text-response 4.1.0 (a test dependency) renders through Django's templates.
UNIT = (
    '<course display_name="Khối lỗi"><chapter url_name="c"><sequential url_name="s">'
    '<vertical url_name="v"><html url_name="h"><p>Gọi 111 khi cần giúp đỡ</p></html>'
    "{block}</vertical></sequential></chapter></course>"
)
#: The block reads its css as "../public/view.css" through pkg_resources, which warns: the
#: block's own deprecation, not ours (outside the tests a warning breaks nothing).
FREE_TEXT_WARNING = (
    "ignore:Use of .. or absolute path in a resource path:DeprecationWarning"
)
FREE_TEXT = (
    '<freetextresponse url_name="f" display_name="Kể lại" prompt="Em hãy kể lại điều em đã học"/>'
)


class ExplodingBlock(XBlock):  # type: ignore[misc]
    """A block whose view raises, as a buggy third-party block would."""

    def student_view(self, context: Any = None) -> Fragment:
        raise RuntimeError("the block's own bug")


class DatabaseDownBlock(XBlock):  # type: ignore[misc]
    """A block whose view meets an unreachable database."""

    def student_view(self, context: Any = None) -> Fragment:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


def usage(block_type: str, url_name: str) -> str:
    return BlockKey(SLUG, block_type, url_name).usage_id


def render_unit(block_xml: str) -> str:
    """Parse a one-unit course with ``block_xml`` beside an HTML block; render the unit in a
    runtime whose host answers database errors itself (as the LMS's learner runtime does)."""
    store = MemoryFieldStore()
    parse_course_blocks(etree.fromstring(UNIT.format(block=block_xml)), "root", SLUG, store)
    runtime = LmsRuntime(
        course_slug=SLUG, fields=store, urls=MemoryUrls(), host_errors=(SQLAlchemyError,)
    )
    unit = runtime.get_block(usage("vertical", "v"))
    return str(runtime.render(unit, "student_view", {}).body_html())


@XBlock.register_temp_plugin(ExplodingBlock, "exploding")
def test_a_view_that_raises_is_a_logged_placeholder_in_its_wrapper_and_the_unit_renders(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="lms_module.xblock_runtime.failsafe"):
        page = render_unit('<exploding url_name="x"/>')

    assert "Gọi 111 khi cần giúp đỡ" in page  # the sibling
    assert (
        f'data-usage-id="{usage("exploding", "x")}" data-block-type="exploding"' in page
    )  # the wrapper every block gets, so the page's script finds it as any other
    assert "Phần nội dung này đang bị lỗi nên chưa hiển thị được." in page
    [record] = caplog.records
    assert usage("exploding", "x") in record.getMessage()
    assert record.exc_info is not None and "the block's own bug" in str(record.exc_info[1])


@XBlock.register_temp_plugin(DatabaseDownBlock, "dbdown")
def test_an_error_the_host_answers_is_not_hidden_behind_a_placeholder() -> None:
    with pytest.raises(OperationalError):
        render_unit('<dbdown url_name="d"/>')


@pytest.mark.filterwarnings(FREE_TEXT_WARNING)
def test_a_django_template_block_from_pypi_renders_its_template() -> None:
    page = render_unit(FREE_TEXT)

    assert '<div class="freetextresponse' in page
    assert "Em hãy kể lại điều em đã học" in page  # its field, through its Django template
    assert "Submit" in page  # a {% trans %} tag of its template
    assert "Gọi 111 khi cần giúp đỡ" in page


def test_without_django_a_django_template_block_names_the_extra_to_install() -> None:
    # A fresh interpreter where Django cannot be imported, as on a server without the extra.
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["django"] = None
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_failsafe_and_django_blocks import FREE_TEXT, render_unit
        print(render_unit(FREE_TEXT))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert "cần cài thêm truong-hoc-an-toan[xblocks]" in page
    assert f'data-usage-id="{usage("freetextresponse", "f")}"' in page
    assert "Kể lại" in page  # its title, kept from the OLX
    assert "Gọi 111 khi cần giúp đỡ" in page
