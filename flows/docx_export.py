"""A :class:`flows.draft.Draft` as a Word document (python-docx).

The document opens with a line saying it is a draft generated from the record and not legal
advice (also repeated in the page header), then the title, one level-1 heading per section, and
list items as bullets. A missing section's 「【未記入】」 marker is bold red on yellow, so nobody
submits it unnoticed.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from flows.drafts.common import BULLET, SUB, Draft

__all__ = ["to_docx", "to_docx_bytes"]

_RED = RGBColor(0xC0, 0x00, 0x00)
_GREY = RGBColor(0x59, 0x59, 0x59)
_EAST_ASIAN_FONT = {"ja": "Yu Gothic", "en": "Yu Gothic"}


def _fonts(doc: DocxDocument, lang: str) -> None:
    """Give the styles an East Asian font so Japanese text renders in Word and LibreOffice."""
    for name in ("Normal", "Title", "Heading 1", "List Bullet", "List Bullet 2"):
        rpr = doc.styles[name].element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), _EAST_ASIAN_FONT.get(lang, "Yu Gothic"))


def _add(doc: DocxDocument, text: str, marker: str) -> None:
    style = None
    if text.startswith(SUB):
        style, text = "List Bullet 2", text[len(SUB) :]
    elif text.startswith(BULLET):
        style, text = "List Bullet", text[len(BULLET) :]
    para = doc.add_paragraph(style=style)
    if text.startswith(marker):
        run = para.add_run(marker)
        run.bold = True
        run.font.color.rgb = _RED
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        text = text[len(marker) :]
    para.add_run(text)


def _document(draft: Draft) -> DocxDocument:
    doc = Document()
    _fonts(doc, draft.lang)
    doc.core_properties.title = draft.title
    doc.core_properties.comments = draft.header
    header = doc.sections[0].header.paragraphs[0]
    header.text = draft.header
    for run in header.runs:
        run.font.size = Pt(8)
        run.font.color.rgb = _GREY
    notice = doc.add_paragraph()
    run = notice.add_run(draft.header)
    run.italic, run.bold = True, True
    run.font.color.rgb = _RED
    doc.add_heading(draft.title, level=0)
    marker = draft.marker
    for p in draft.intro:
        _add(doc, p, marker)
    for section in draft.sections:
        doc.add_heading(section.heading, level=1)
        for p in section.paragraphs:
            _add(doc, p, marker)
    for p in draft.outro:
        _add(doc, p, marker)
    return doc


def to_docx(draft: Draft, path: str | Path) -> Path:
    """Write ``draft`` to ``path`` as .docx; return the path."""
    path = Path(path)
    _document(draft).save(str(path))
    return path


def to_docx_bytes(draft: Draft) -> bytes:
    """``draft`` as .docx bytes (for a chat file upload or a download)."""
    buf = BytesIO()
    _document(draft).save(buf)
    return buf.getvalue()
