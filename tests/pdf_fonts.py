"""Which fonts a PDF names without embedding them.

A font a PDF names but does not embed is drawn with whatever the reader substitutes (a
receipt or a report could look different on another machine, and a name outside Latin-1
might not show at all). Every PDF the app writes embeds all of its fonts."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader


def unembedded_fonts(pdf: bytes | Path) -> set[str]:
    """The base names of the fonts on any page (or in any form on it) whose program is not
    embedded (no FontFile/FontFile2/FontFile3 in its descriptor or its descendant's)."""
    data = pdf.read_bytes() if isinstance(pdf, Path) else pdf
    missing: set[str] = set()
    seen: set[int] = set()

    def walk(resources: object) -> None:
        if not hasattr(resources, "get"):
            return
        fonts = resources.get("/Font")
        for ref in (fonts.get_object() if fonts is not None else {}).values():
            font = ref.get_object()
            faces = [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]
            embedded = any(
                key in face["/FontDescriptor"].get_object()
                for face in faces
                if "/FontDescriptor" in face
                for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            if not embedded:
                missing.add(str(font["/BaseFont"]).lstrip("/"))
        forms = resources.get("/XObject")
        for ref in (forms.get_object() if forms is not None else {}).values():
            form = ref.get_object()
            if id(form) not in seen and "/Resources" in form:
                seen.add(id(form))
                walk(form["/Resources"].get_object())

    for page in PdfReader(io.BytesIO(data)).pages:
        if "/Resources" in page:
            walk(page["/Resources"].get_object())
    return missing
