"""The embedded fonts of every PDF: DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew and
more) and WenQuanYi Micro Hei for Chinese, Japanese and Korean, which DejaVu lacks.
Renderers switch to the fallback character by character, so a name in any of those
scripts renders."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# The fonts folder of the ``resources`` package: in the repository, or in the installed
# wheel (package data), wherever the current directory is.
FONT_DIR = Path(str(files("resources") / "fonts"))
SANS, BOLD, MONO, CJK = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono", "WenQuanYiMicroHei"
FILES = {
    SANS: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
    CJK: "WenQuanYiMicroHei.ttf",
}


@cache
def register_fonts() -> dict[str, frozenset[int]]:
    """Register the embedded fonts once; returns each font's covered code points."""
    covered: dict[str, frozenset[int]] = {}
    for name, filename in FILES.items():
        try:
            font = pdfmetrics.getFont(name)
        except KeyError:
            font = TTFont(name, str(FONT_DIR / filename))
            pdfmetrics.registerFont(font)
        covered[name] = frozenset(font.face.charToGlyph)
    return covered
