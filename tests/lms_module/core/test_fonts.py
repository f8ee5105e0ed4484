"""The committed web fonts: what core/fonts.py makes, and every letter the pages need."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont

from lms_module.core.fonts import SOURCE_DIR, WEB_FONT_DIR, WEB_FONTS, build_web_fonts

ROOT = Path(__file__).resolve().parents[3]
#: Text the web pages show: templates, the catalogue, course content and block templates,
#: the Python and JavaScript sources (flash messages, errors, labels the blocks draw).
PAGE_TEXT = (
    "lms_module/**/*.html",
    "lms_module/**/*.po",
    "lms_module/**/*.py",
    "lms_module/**/*.js",
    "courses/**/*.html",
    "courses/**/*.po",
    "courses/**/*.py",
    "courses/**/*.js",
    "courses/content/**/*.xml",
)
VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # ngang huyền sắc hỏi ngã nặng


def code_points(path: Path) -> set[int]:
    return set(TTFont(path).getBestCmap())


def test_the_committed_web_fonts_are_what_the_font_module_makes(tmp_path):
    build_web_fonts(tmp_path)
    for font in WEB_FONTS:
        committed, made = TTFont(WEB_FONT_DIR / font.filename), TTFont(tmp_path / font.filename)
        assert committed.flavor == made.flavor == "woff2"
        tags = sorted(made.keys())
        assert sorted(committed.keys()) == tags, font.filename
        for tag in tags:
            if tag == "GlyphOrder":
                continue
            assert committed.reader[tag] == made.reader[tag], (
                f"{font.filename}: table {tag} differs; run `python -m lms_module.core.fonts`"
            )
    assert (WEB_FONT_DIR / "OFL.txt").read_bytes() == (tmp_path / "OFL.txt").read_bytes()


def test_the_web_fonts_have_every_character_the_pages_use_that_the_font_draws():
    used: dict[str, str] = {}
    for pattern in PAGE_TEXT:
        for path in sorted(ROOT.glob(pattern)):
            for char in path.read_text(encoding="utf-8"):
                if not char.isascii():
                    used.setdefault(unicodedata.normalize("NFC", char), str(path.relative_to(ROOT)))
    assert len(used) > 100  # the Vietnamese letters at least
    for font in WEB_FONTS:
        drawn = code_points(SOURCE_DIR / font.source)
        kept = code_points(WEB_FONT_DIR / font.filename)
        missing = {
            f"{char} U+{ord(char):04X} ({where})"
            for char, where in used.items()
            if ord(char) in drawn and ord(char) not in kept
        }
        assert missing == set(), font.filename


def test_the_web_fonts_have_the_vietnamese_alphabet_with_every_tone_digits_and_punctuation():
    letters = {
        unicodedata.normalize("NFC", vowel + tone)
        for vowel in VOWELS + VOWELS.upper()
        for tone in TONES
    }
    letters |= set("đĐbcdghklmnpqrstvxBCDGHKLMNPQRSTVX0123456789")
    letters |= set(".,;:!?()[]\"'-–—‘’“”…%/&+*=<>@#«»·•₫")
    letters |= set(TONES[1:])  # the combining tone marks, for text typed decomposed
    assert len(letters) > 150
    for font in WEB_FONTS:
        kept = code_points(WEB_FONT_DIR / font.filename)
        missing = sorted(char for char in letters if ord(char) not in kept)
        assert missing == [], font.filename


def test_each_web_font_is_a_small_fraction_of_its_ttf():
    for font in WEB_FONTS:
        web = (WEB_FONT_DIR / font.filename).stat().st_size
        assert web < 20_000
        assert web * 6 < (SOURCE_DIR / font.source).stat().st_size
