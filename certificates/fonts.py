"""Register the Be Vietnam Pro font (shipped by a Python package) with reportlab."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import fontpkg_be_vietnam_pro
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(fontpkg_be_vietnam_pro.__file__).parent / "files"

#: reportlab font names -> files. reportlab embeds only the glyphs used (a subset).
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
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic="BeVietnamPro-BoldItalic"
    )


def nfc(text: str) -> str:
    """Return ``text`` in NFC: reportlab places combining marks badly, precomposed is safe."""
    return unicodedata.normalize("NFC", text)
