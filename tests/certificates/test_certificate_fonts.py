"""The committed certificate fonts: what certificates/fonts.py makes, every glyph, no hints."""

from __future__ import annotations

from fontTools.ttLib import TTFont

from certificates.fonts import FONT_DIR, FONTS, SOURCE_DIR, build_fonts


def test_the_committed_fonts_are_what_the_font_module_makes(tmp_path):
    build_fonts(tmp_path)
    for filename in FONTS.values():
        assert (FONT_DIR / filename).read_bytes() == (tmp_path / filename).read_bytes(), (
            f"{filename} differs; run `python -m certificates.fonts`"
        )
    assert (FONT_DIR / "OFL.txt").read_bytes() == (tmp_path / "OFL.txt").read_bytes()


def test_the_fonts_draw_every_character_of_the_package_fonts_without_hints():
    for filename in FONTS.values():
        committed, source = TTFont(FONT_DIR / filename), TTFont(SOURCE_DIR / filename)
        kept, drawn = committed.getBestCmap(), source.getBestCmap()
        assert kept.keys() == drawn.keys(), filename
        assert not {"fpgm", "prep", "cvt "} & set(committed.keys()), filename
        for code_point, glyph in drawn.items():  # same widths: the same layout
            assert committed["hmtx"][kept[code_point]] == source["hmtx"][glyph], filename
