"""The .docx export (flows.docx_export) opens with python-docx and has the draft's sections and texts."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX

from flows.docx_export import to_docx, to_docx_bytes
from flows.draft import BULLET, SUB, Draft, build_notice, build_report
from tests.flows.draft_helpers import NOTES, recorded_incident
from tests.flows.helpers import config, report


def plain(p: str) -> str:
    for prefix in (SUB, BULLET):
        if p.startswith(prefix):
            return p[len(prefix) :]
    return p


def body_by_heading(document: docx.document.Document) -> dict[str, list[docx.text.paragraph.Paragraph]]:
    """The paragraphs under each level-1 heading (up to the next one)."""
    out: dict[str, list] = {}
    current = None
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            current = p.text
            out[current] = []
        elif current is not None:
            out[current].append(p)
    return out


def check_same_sections(draft: Draft, document: docx.document.Document) -> None:
    sections = body_by_heading(document)
    assert list(sections) == [s.heading for s in draft.sections]
    for s in draft.sections:
        got = [p.text for p in sections[s.heading]][: len(s.paragraphs)]
        assert got == [plain(p) for p in s.paragraphs], s.number
        styles = [p.style.name for p in sections[s.heading]][: len(s.paragraphs)]
        want = ["List Bullet 2" if p.startswith(SUB) else "List Bullet" if p.startswith(BULLET) else "Normal" for p in s.paragraphs]
        assert styles == want, s.number


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_report_docx_has_the_same_sections_and_texts(tmp_path: Path, lang: str) -> None:
    draft = build_report(recorded_incident(), config(), lang=lang)
    path = to_docx(draft, tmp_path / "report.docx")
    document = docx.Document(str(path))
    check_same_sections(draft, document)
    assert len(draft.sections) == 10  # the report type and reporter, then the nine matters
    full = "\n".join(p.text for p in document.paragraphs)
    for item, (note, _) in NOTES.items():
        assert note in full, item
    title = next(p for p in document.paragraphs if p.style.name == "Title")
    assert title.text == draft.title
    first = document.paragraphs[0]
    assert first.text == draft.header and first.runs[0].bold
    assert ("法的助言ではありません" if lang == "ja" else "Not legal advice") in first.text
    assert document.sections[0].header.paragraphs[0].text == draft.header
    assert document.core_properties.title == draft.title


def test_missing_sections_carry_a_visible_marker() -> None:
    draft = build_report(report()[0], config())
    document = docx.Document(BytesIO(to_docx_bytes(draft)))
    check_same_sections(draft, document)
    sections = body_by_heading(document)
    for s in draft.sections:
        first = sections[s.heading][0]
        marker = first.runs[0]
        if s.missing:
            assert marker.text == "【未記入】"
            assert marker.bold and marker.font.highlight_color == WD_COLOR_INDEX.YELLOW
            assert marker.font.color.rgb is not None and str(marker.font.color.rgb) == "C00000"
        else:
            assert "【未記入】" not in first.text
    flagged = sum(1 for p in document.paragraphs if p.runs and p.runs[0].text == "【未記入】")
    assert len(draft.missing) == 6 and flagged == 6 + 1  # and the discoverer, flagged inside section 1


def test_notice_docx(tmp_path: Path) -> None:
    draft = build_notice(recorded_incident(), config(), lang="en")
    document = docx.Document(str(to_docx(draft, tmp_path / "notice.docx")))
    check_same_sections(draft, document)
    full = "\n".join(p.text for p in document.paragraphs)
    assert "(My Number Act Art. 7(2))" in full
    assert all(p in full for p in draft.intro + draft.outro)
