"""Templates translate with the translations of the language they are rendered in: the page's,
or the recipient's inside ``force_locale`` (i18n.page_translations binds them per render)."""

from __future__ import annotations

from flask import Flask, render_template_string
from flask_babel import force_locale

from lms_module.i18n import LANGUAGE_COOKIE

TEMPLATE = (
    "{{ _('Thoát nhanh') }}|"
    "{{ _('Trang %(number)s/%(count)s', number=2, count=name) }}|"
    "{{ ngettext('%(num)s giáo viên chưa hoàn thành', '%(num)s giáo viên chưa hoàn thành', n) }}|"
    "{% trans %}Thoát nhanh{% endtrans %}"
)


def _render(**context: object) -> str:
    return render_template_string(TEMPLATE, name="<b>", **context)


def test_a_page_in_vietnamese_and_a_message_rendered_in_english_within_it(app: Flask) -> None:
    with app.test_request_context("/", headers={"Cookie": f"{LANGUAGE_COOKIE}=vi"}):
        page = _render(n=3)
        with force_locale("en"):
            message = _render(n=1)
        after = _render(n=3)

    assert page == (
        "Thoát nhanh|Trang 2/&lt;b&gt;|3 giáo viên chưa hoàn thành|Thoát nhanh"
    )
    # Variables are escaped and plural forms chosen as Jinja's i18n extension does.
    assert message == "Quick exit|Page 2 of &lt;b&gt;|1 teacher has not finished|Quick exit"
    assert after == page


def test_an_english_page(app: Flask) -> None:
    with app.test_request_context("/", headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        assert _render(n=2) == (
            "Quick exit|Page 2 of &lt;b&gt;|2 teachers have not finished|Quick exit"
        )
