"""Make the web fonts: Be Vietnam Pro cut to the Latin and Vietnamese letters, as WOFF2.

The pages use two weights of Be Vietnam Pro (from the ``fontpkg-be-vietnam-pro`` package,
OFL-1.1, no reserved font name). The full TTFs are 130-140 KB each; a phone on a slow network
needs only the letters of Vietnamese and English, the digits and the punctuation, compressed
as WOFF2 (about a sixth of the size). The subsets are made by this module and committed under
``lms_module/static/fonts/`` (served like every static file, with a content-hashed URL), so
neither installing nor serving needs fontTools; ``tests/lms_module/core/test_fonts.py`` makes
them again and fails when the committed files differ from what this module makes, or when a
character the pages use is missing. After changing the character set or the font package::

    python -m lms_module.core.fonts        # needs fontTools and brotli (the test extra)

PDFs use their own cut of the same TTFs (``certificates/fonts.py``: every glyph, no hints).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from certificates.fonts import SOURCE_DIR, subset_font, write_fonts

#: Where the committed WOFF2 files live (served under ``fonts/`` by the static files view).
WEB_FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"


@dataclass(frozen=True)
class WebFont:
    """One weight of the pages' font: its source TTF and the WOFF2 file made from it."""

    weight: int
    source: str
    filename: str


WEB_FONTS = (
    WebFont(400, "BeVietnamPro-Regular.ttf", "be-vietnam-pro-400.woff2"),
    WebFont(700, "BeVietnamPro-Bold.ttf", "be-vietnam-pro-700.woff2"),
)

#: The characters kept, as inclusive code point ranges: the "latin" and "vietnamese" subsets
#: web font services use (every Vietnamese letter with every tone, precomposed and as
#: combining marks), the general punctuation block, the đồng and euro signs and the arrows
#: the pages draw. A character outside these falls back to the system font.
UNICODE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin: letters, digits, ASCII punctuation
    (0x00A0, 0x00FF),  # Latin-1: no-break space, « », ·, ×, À Á Â Ã È É Ê Ì Í Ò Ó Ô Õ Ù Ú Ý…
    (0x0102, 0x0103),  # Ă ă
    (0x0110, 0x0111),  # Đ đ
    (0x0128, 0x0129),  # Ĩ ĩ
    (0x0131, 0x0131),  # dotless i
    (0x0152, 0x0153),  # Œ œ
    (0x0168, 0x0169),  # Ũ ũ
    (0x01A0, 0x01A1),  # Ơ ơ
    (0x01AF, 0x01B0),  # Ư ư
    (0x02BB, 0x02BC),  # modifier apostrophes
    (0x02C6, 0x02C6),  # circumflex
    (0x02DA, 0x02DA),  # ring above
    (0x02DC, 0x02DC),  # small tilde
    (0x0300, 0x0301),  # combining grave, acute (huyền, sắc)
    (0x0303, 0x0304),  # combining tilde (ngã), macron
    (0x0306, 0x0306),  # combining breve
    (0x0308, 0x0309),  # combining diaeresis, hook above (hỏi)
    (0x0323, 0x0323),  # combining dot below (nặng)
    (0x0329, 0x0329),  # combining vertical line below
    (0x1EA0, 0x1EF9),  # Vietnamese precomposed letters with tones (Ạ … ỹ)
    (0x2000, 0x206F),  # General Punctuation: – — ‘ ’ “ ” • … ‹ ›
    (0x20AB, 0x20AC),  # ₫ €
    (0x2122, 0x2122),  # ™
    (0x2190, 0x2193),  # ← ↑ → ↓
    (0x2212, 0x2212),  # minus sign
    (0x2215, 0x2215),  # division slash
    (0xFEFF, 0xFEFF),  # byte order mark
    (0xFFFD, 0xFFFD),  # replacement character
)

#: Name table records kept: family and style names, version, and the OFL's own records
#: (13 licence description, 14 licence URL), which the licence asks to travel with the font.
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)


def subset_code_points() -> list[int]:
    """Return every code point of :data:`UNICODE_RANGES`, in order."""
    return [cp for first, last in UNICODE_RANGES for cp in range(first, last + 1)]


def make_web_font(font: WebFont) -> bytes:
    """Return the WOFF2 subset of ``font``: same output for the same inputs, no timestamp."""
    from fontTools import subset  # type: ignore[import-untyped]

    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # browsers hint well enough; hints are a third of the glyph data
    options.name_IDs = list(NAME_IDS)
    options.name_languages = ["*"]
    options.layout_features = ["*"]  # kerning, and mark positioning for the stacked tones
    options.notdef_outline = True
    return subset_font(SOURCE_DIR / font.source, options, unicodes=subset_code_points())


def build_web_fonts(target: Path = WEB_FONT_DIR) -> list[Path]:
    """Write every :data:`WEB_FONTS` subset and the font's licence into ``target``."""
    return write_fonts(target, {font.filename: make_web_font(font) for font in WEB_FONTS})


def main(argv: Iterable[str] = ()) -> None:
    """Build the web fonts into ``lms_module/static/fonts`` (or the folder given)."""
    args = list(argv)
    target = Path(args[0]) if args else WEB_FONT_DIR
    for path in build_web_fonts(target):
        print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
