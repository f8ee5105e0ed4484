"""Register the Be Vietnam Pro font with reportlab, from TTFs made smaller for PDFs.

reportlab embeds only the glyphs a document uses, but copies each glyph whole and the font's
hinting programs with it (``fpgm``, ``prep``, ``cvt ``): in the package's TTFs
(``fontpkg-be-vietnam-pro``, OFL-1.1) hints are half of every glyph. PDFs are printed or
shown scaled, where hints do nothing, so the fonts registered here are the same fonts with
every glyph kept and the hints, the layout tables (reportlab does not read them) and all but
the copyright and naming records removed. They are made by this module and committed under
``certificates/static/fonts/`` with the font's licence, so neither installing nor rendering
needs fontTools; ``tests/certificates/test_fonts.py`` makes them again and fails when the
committed files differ. After changing the font package::

    python -m certificates.fonts        # needs fontTools (the test extra)
"""

from __future__ import annotations

import sys
import unicodedata
from pathlib import Path
from typing import Any

import fontpkg_be_vietnam_pro
from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

#: The committed TTFs that are registered; made from :data:`SOURCE_DIR` by :func:`build_fonts`.
FONT_DIR = Path(__file__).resolve().parent / "static" / "fonts"
SOURCE_DIR = Path(fontpkg_be_vietnam_pro.__file__).resolve().parent / "files"
LICENSE_FILE = Path(fontpkg_be_vietnam_pro.__file__).resolve().parent / "LICENSE"
#: Name table records kept: copyright, family and style names, version. reportlab copies the
#: name table into every PDF, so the licence travels as ``OFL.txt`` beside the files instead
#: of in records 13 and 14 (the OFL allows either).
NAME_IDS = (0, 1, 2, 3, 4, 5, 6)

# Every PDF the product makes registers these fonts, so this is where reportlab is set up for
# them: page streams deflated only, not also ASCII85-encoded (a quarter bigger and slower, for
# 7-bit mail channels PDFs no longer travel through). Set once, at import, for the process, so
# the same record still gives the same bytes.
rl_config.useA85 = 0

#: reportlab font names -> files (the same file names as in the package).
FONTS = {
    "BeVietnamPro": "BeVietnamPro-Regular.ttf",
    "BeVietnamPro-Bold": "BeVietnamPro-Bold.ttf",
    "BeVietnamPro-Italic": "BeVietnamPro-Italic.ttf",
    "BeVietnamPro-BoldItalic": "BeVietnamPro-BoldItalic.ttf",
}
REGULAR, BOLD, ITALIC = "BeVietnamPro", "BeVietnamPro-Bold", "BeVietnamPro-Italic"


def register_fonts() -> None:
    """Register the fonts once per process (idempotent)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in FONTS.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename), asciiReadable=False))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic="BeVietnamPro-BoldItalic"
    )


def subset_font(source: Path, options: Any, *, unicodes: list[int] | None = None) -> bytes:
    """Return the font at ``source`` cut by fontTools ``options`` to ``unicodes`` (``None``:
    every glyph kept): the same output for the same inputs, no timestamp.

    The one place the package's fonts are cut: the certificates' TTFs here, the web fonts'
    WOFF2 files (``lms_module.core.fonts``).
    """
    from io import BytesIO

    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont as FontFile  # type: ignore[import-untyped]

    font = FontFile(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options=options)
    if unicodes is None:
        subsetter.populate(glyphs=font.getGlyphOrder())
    else:
        subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    out = BytesIO()
    subset.save_font(font, out, options)
    return out.getvalue()


def write_fonts(target: Path, fonts: dict[str, bytes]) -> list[Path]:
    """Write ``fonts`` (file name -> bytes) and the fonts' licence (``OFL.txt``) into
    ``target``; return the paths written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, data in fonts.items():
        path = target / filename
        path.write_bytes(data)
        written.append(path)
    licence = target / "OFL.txt"
    licence.write_bytes(LICENSE_FILE.read_bytes())
    written.append(licence)
    return written


def make_font(filename: str) -> bytes:
    """Return the TTF ``filename`` of the package without hints or layout tables, every glyph
    kept (PDFs pick their own)."""
    from fontTools import subset

    options = subset.Options()
    options.hinting = False
    options.name_IDs = list(NAME_IDS)
    options.name_languages = ["*"]
    options.layout_features = []
    options.drop_tables += ["GDEF", "GPOS", "GSUB", "gasp"]
    options.notdef_outline = True
    options.glyph_names = False
    return subset_font(SOURCE_DIR / filename, options)


def build_fonts(target: Path = FONT_DIR) -> list[Path]:
    """Write every font of :data:`FONTS` and the font's licence into ``target``."""
    return write_fonts(target, {name: make_font(name) for name in FONTS.values()})


def nfc(text: str) -> str:
    """Return ``text`` in NFC: reportlab places combining marks badly, precomposed is safe."""
    return unicodedata.normalize("NFC", text)


def main(argv: list[str]) -> None:
    """Build the fonts into ``certificates/static/fonts`` (or the folder given)."""
    target = Path(argv[0]) if argv else FONT_DIR
    for path in build_fonts(target):
        print(f"{path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
