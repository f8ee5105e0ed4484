"""The English catalogue is complete and compiled; pages switch language."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from helpers import csrf_token_from
from lms_module.i18n import vn_date

CATALOGUE = Path(__file__).parents[3] / "lms_module/translations/en/LC_MESSAGES"


def _catalogue():
    with (CATALOGUE / "messages.po").open("rb") as po:
        return read_po(po, locale="en")


def test_every_message_has_an_english_translation():
    def translated(message) -> bool:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(forms)

    untranslated = [m.id for m in _catalogue() if m.id and not translated(m)]
    assert untranslated == []


def _messages(catalogue) -> dict[tuple[object, object], object]:
    """Every translated message (the header, which names the Babel version, left out)."""
    def plain(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {(plain(m.id), m.context): plain(m.string) for m in catalogue if m.id and m.string}


def test_compiled_catalogue_matches_the_po_file():
    with (CATALOGUE / "messages.mo").open("rb") as mo:
        compiled = read_mo(mo)
    assert _messages(compiled) == _messages(_catalogue()), "run scripts/translations to recompile"


def test_pages_are_vietnamese_by_default_and_english_on_request(client):
    assert "Đăng nhập" in client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "Sign in" in english.get_data(as_text=True)


def test_language_choice_is_remembered(client):
    token = csrf_token_from(client)
    client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    assert "Sign in" in client.get("/login").get_data(as_text=True)


def test_dates_are_day_month_year(app):
    import datetime as dt

    with app.test_request_context("/"):
        assert vn_date(dt.date(2027, 5, 31)) == "31/05/2027"


def test_the_catalogue_holds_every_message_of_the_source():
    """A new user-facing string fails here until scripts/translations is run and filled in."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    root = CATALOGUE.parents[3]
    with (root / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    packages = {"lms_module", "courses", "certificates"}

    def in_packages(dirpath: str) -> bool:
        relative = Path(dirpath).relative_to(root).parts
        return not relative or relative[0] in packages

    in_source = {
        message[0] if isinstance(message, tuple) else message
        for _name, _line, message, _comments, _context in extract_from_dir(
            root, method_map, options_map, keywords=keywords, directory_filter=in_packages
        )
    }
    assert len(in_source) > 400  # the extraction found the app's messages
    catalogued = {m.id[0] if isinstance(m.id, tuple) else m.id for m in _catalogue() if m.id}
    assert sorted(in_source - catalogued) == []
