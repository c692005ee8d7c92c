"""What every draft shares: the :class:`Draft` and :class:`Section` types, the record as a draft reads it
(:class:`Record`: names, local dates, the company from the organisation file, facts read defensively),
the second redaction pass and Markdown.

Pure: no I/O, no clock (the letter's date is a parameter). Every sentence is from the catalogue
(``bot/core/i18n/<lang>/draft.yaml`` and ``drafts.yaml``); the record's own text is quoted as recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Literal

from bot.core.config import ItemTemplate, OrgConfig
from bot.core.i18n import DEFAULT_LANG, LANGS, t
from bot.core.model import Incident, Item, Measure
from bot.core.redaction import redact

BULLET, SUB = "- ", "  - "  # a paragraph starting with these is a list item (or a sub-item)
DraftKind = Literal["report", "notice", "announcement", "principal"]
KINDS: tuple[DraftKind, ...] = ("report", "notice", "announcement", "principal")
ReportType = Literal["prelim", "final", "supplement"]  # 速報 / 確報 / 追完
REPORT_TYPES: tuple[ReportType, ...] = ("prelim", "final", "supplement")
Role = Literal["self", "principal", "outsourcee"]


@dataclass(frozen=True)
class Section:
    """One numbered block (in the report: the 規則第3条第1項 item number)."""

    number: int
    heading: str
    paragraphs: tuple[str, ...]
    missing: bool = False  # nothing recorded: the first paragraph is the 【未記入】 flag
    sources: tuple[str, ...] = ()  # checklist item ids (and "facts.…" fields) the text comes from


@dataclass(frozen=True)
class Draft:
    title: str
    sections: tuple[Section, ...]
    kind: DraftKind = "report"
    header: str = ""  # "a draft generated from the record, not legal advice" (not part of the text to send)
    intro: tuple[str, ...] = ()
    outro: tuple[str, ...] = ()
    lang: str = DEFAULT_LANG
    incident_id: str = ""
    report_type: str = ""  # the report's 速報 / 確報 / 追完 (``prelim`` …); "" for the letters

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(s.number for s in self.sections if s.missing)

    @property
    def marker(self) -> str:
        """The text that opens a missing section's flag (「【未記入】」 / "[MISSING]")."""
        return t("draft.missing.marker", self.lang)

    @property
    def stem(self) -> str:
        """The file name's stem: ``ML-2026-0001-report-prelim``, ``ML-2026-0001-notice``."""
        kind = f"{self.kind}-{self.report_type}" if self.report_type else self.kind
        return f"{self.incident_id or 'draft'}-{kind}"


class Record:
    """The incident as a draft sees it: names, local dates, item texts in ``lang``, the company."""

    def __init__(self, inc: Incident, cfg: OrgConfig, lang: str) -> None:
        self.inc, self.cfg = inc, cfg
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self.templates: dict[str, ItemTemplate] = {it.id: it for st in cfg.checklist for it in st.items}

    def t(self, key: str, /, **f: object) -> str:
        return t(key, self.lang, **f)

    # ---- facts the other branches add, read defensively ---------------------------------------------
    def fact(self, name: str, default: object = None) -> object:
        return getattr(self.inc.facts, name, default)

    @property
    def role(self) -> Role:
        """self / principal / outsourcee (the fact ``role``); an unknown value reads as self."""
        role = self.fact("role", "self")
        return role if role in ("self", "principal", "outsourcee") else "self"

    @property
    def party(self) -> str:
        """The other party's name (principal or outsourcee), or the placeholder asking for it."""
        name = str(self.fact("party_name", "") or "").strip()
        return name or self.t("drafts.party_unset")

    @property
    def outsourced(self) -> bool:
        """Is another party involved: we act as outsourcee or principal, or an outsourcee was involved."""
        return self.role != "self" or self.inc.facts.outsourcee == "yes"

    # ---- the company (organisation file) --------------------------------------------------------------
    def company(self, name: str) -> str:
        value = str(getattr(self.cfg.company, name, "") or "")
        if name == "name":
            value = value or self.cfg.organisation
        return value or self.t("drafts.unset")

    # ---- formatting ---------------------------------------------------------------------------------
    def local(self, dt: datetime) -> datetime:
        return (dt if dt.tzinfo else dt.replace(tzinfo=self.cfg.tz)).astimezone(self.cfg.tz)

    def day(self, when: datetime | date | None) -> str:
        """A date as the letters write it: 2026年11月26日 (ja) / 26 November 2026 (en)."""
        if when is None:
            return self.t("drafts.investigating")
        d = self.local(when).date() if isinstance(when, datetime) else when
        return self.t("drafts.date", y=d.year, m=d.month, d=d.day, month=d.strftime("%B"))

    def at(self, when: datetime | None) -> str:
        """A date and time: 2026年11月26日 9時30分頃 (the 頃: times in a record are approximate)."""
        if when is None:
            return self.t("drafts.investigating")
        local = self.local(when)
        return self.t("drafts.datetime", date=self.day(local), h=local.hour, mm=f"{local.minute:02d}")

    def text(self, item: Item) -> str:
        tpl = self.templates.get(item.id)
        return tpl.text.get(self.lang, item.text) if tpl else item.text

    def mapped(self, n: int) -> tuple[Item, ...]:
        """The incident's items whose template feeds report section ``n``."""
        return tuple(i for i in self.inc.items if (tpl := self.templates.get(i.id)) and n in tpl.report)

    def label(self, prefix: str, value: str) -> str:
        try:
            return self.t(f"{prefix}.{value}")
        except KeyError:
            return value

    def joined(self, parts: Iterable[str]) -> str:
        return self.t("draft.list_sep").join(parts)

    def notes(self, n: int) -> list[str]:
        """The notes recorded on the items feeding section ``n``, as sentences (in record order)."""
        return [sentence(i.note) for i in self.mapped(n) if i.note.strip()]

    def flag(self, n: int) -> str:
        """The 【未記入】 line of report section ``n``: what is missing and which items to record it on."""
        ids = [i.id for i in self.mapped(n)]
        what = self.t(f"draft.what.{n}")
        if not ids:
            return self.t("draft.missing.nowhere", what=what)
        return self.t("draft.missing.items", what=what, items=self.joined(ids))

    def section(self, n: int, heading: str, paragraphs: list[str], recorded: bool, sources: Iterable[str] = (), flag: str = "") -> Section:
        ids = tuple(dict.fromkeys([*(i.id for i in self.mapped(n)), *sources]))
        if recorded:
            return Section(n, heading, tuple(paragraphs), False, ids)
        return Section(n, heading, (flag or self.flag(n), *paragraphs), True, ids)

    def measure(self, m: Measure) -> str:
        """A measure as a sentence: 「…を無効にした（2026年11月30日実施）。」"""
        text = m.text.strip().rstrip("。.")
        if m.on is None:
            return self.t(f"drafts.measure.{m.status}", text=text)
        return self.t(f"drafts.measure.{m.status}_on", text=text, date=self.day(m.on))

    def drill(self) -> str:
        return self.t("drill.label") + " " if self.inc.drill else ""


def sentence(text: str) -> str:
    """Recorded text as one sentence: trimmed, ending with 「。」 (or a full stop) when it has none."""
    text = " ".join(text.split())
    if not text or text[-1] in "。．.!?！？":
        return text
    ascii_only = all(ord(c) < 0x3000 for c in text)
    return text + ("." if ascii_only else "。")


# ---- output ---------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return redact(text)[0]


def scrub(draft: Draft) -> Draft:
    """Every string of ``draft`` through :func:`redact` (the record is already redacted: a second guard)."""
    sections = tuple(replace(s, heading=_clean(s.heading), paragraphs=tuple(_clean(p) for p in s.paragraphs)) for s in draft.sections)
    changes: dict[str, object] = {"sections": sections}
    for fld in fields(draft):
        value = getattr(draft, fld.name)
        if fld.name in ("title", "header"):
            changes[fld.name] = _clean(value)
        elif fld.name in ("intro", "outro"):
            changes[fld.name] = tuple(_clean(p) for p in value)
    return replace(draft, **changes)  # type: ignore[arg-type]


def _md(text: str, indent: str = "") -> str:
    return text.replace("\r\n", "\n").replace("\n", "  \n" + indent)


def to_markdown(draft: Draft) -> str:
    """The draft as Markdown: a quoted header line, the title, one ``##`` heading per section."""
    marker = draft.marker
    blocks: list[str] = [f"> {_md(draft.header, '> ')}", f"# {draft.title}"]
    blocks += _paragraphs(draft.intro, marker)
    for s in draft.sections:
        blocks.append(f"## {s.heading}")
        blocks += _paragraphs(s.paragraphs, marker)
    blocks += _paragraphs(draft.outro, marker)
    return "\n\n".join(blocks) + "\n"


def _paragraphs(paragraphs: Iterable[str], marker: str) -> list[str]:
    """Paragraphs as Markdown blocks; consecutive list items form one list."""
    blocks: list[str] = []
    in_list = False
    for p in paragraphs:
        if p.startswith((BULLET, SUB)):
            indent = "    " if p.startswith(SUB) else "  "
            line = _md(p, indent)
            if in_list:
                blocks[-1] += "\n" + line
            else:
                blocks.append(line)
            in_list = True
            continue
        in_list = False
        if p.startswith(marker):
            p = f"**{marker}**{p[len(marker) :]}"
        blocks.append(_md(p))
    return blocks
