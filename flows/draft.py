"""Drafts from the record: the report to the PPC and the notice to the individuals.

* :func:`build_report` — the nine matters of 規則第3条第1項 (summary, data items, count, cause,
  secondary harm, actions toward the individuals, publication, prevention measures, other);
* :func:`build_notice` — the notice of 規則第5条: items 1, 2, 4, 5 and 9, an apology, a warning about
  scam calls and that the person may ask their municipality for a new number (番号法第7条第2項).

Pure: no I/O, no clock. Every sentence is from the catalogue (``bot/core/i18n/<lang>/draft.yaml``); the
record's own text is quoted as recorded. A matter the record says nothing about is flagged
(「【未記入】…」, naming the checklist items to record it on) and never filled in. Which checklist
items feed which section is the template's ``report: [n, …]``. The record is already redacted; the
draft still goes through :func:`bot.core.redaction.redact` once more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Literal

from bot.core.config import ItemTemplate, OrgConfig
from bot.core.i18n import DEFAULT_LANG, LANGS, t
from bot.core.model import Incident, Item, UserRef
from bot.core.redaction import redact
from flows.assessment import AssessmentInput, assess, render_reason
from flows.law import assessment_input

__all__ = [
    "BULLET",
    "NOTICE_SECTIONS",
    "REPORT_SECTIONS",
    "SUB",
    "Draft",
    "Section",
    "build_notice",
    "build_report",
    "to_markdown",
]

REPORT_SECTIONS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9)
NOTICE_SECTIONS: tuple[int, ...] = (1, 2, 4, 5, 9)  # 規則第5条
BULLET, SUB = "- ", "  - "  # a paragraph starting with these is a list item (or a sub-item)


@dataclass(frozen=True)
class Section:
    """One numbered matter (the 規則第3条第1項 item number, also in the notice)."""

    number: int
    heading: str
    paragraphs: tuple[str, ...]
    missing: bool = False  # nothing recorded: the first paragraph is the 【未記入】 flag
    sources: tuple[str, ...] = ()  # checklist item ids (and "facts.…" fields) the text comes from


@dataclass(frozen=True)
class Draft:
    title: str
    sections: tuple[Section, ...]
    kind: Literal["report", "notice"] = "report"
    header: str = ""  # "a draft generated from the record, not legal advice"
    intro: tuple[str, ...] = ()
    outro: tuple[str, ...] = ()
    lang: str = DEFAULT_LANG
    incident_id: str = ""

    def section(self, number: int) -> Section | None:
        return next((s for s in self.sections if s.number == number), None)

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(s.number for s in self.sections if s.missing)

    @property
    def marker(self) -> str:
        """The text that opens a missing section's flag (「【未記入】」 / "[MISSING]")."""
        return t("draft.missing.marker", self.lang)


class _Record:
    """The incident as the draft sees it: names, local times, item texts in ``lang``."""

    def __init__(self, inc: Incident, cfg: OrgConfig, lang: str) -> None:
        self.inc, self.cfg = inc, cfg
        self.lang = lang if lang in LANGS else DEFAULT_LANG
        self.templates: dict[str, ItemTemplate] = {it.id: it for st in cfg.checklist for it in st.items}

    def t(self, key: str, /, **f: object) -> str:
        return t(key, self.lang, **f)

    def name(self, user: UserRef | None) -> str:
        if user is None:
            return self.t("draft.unknown")
        shown = self.cfg.display(user)
        return shown.name or user.name or user.key

    def at(self, dt: datetime | None) -> str:
        if dt is None:
            return self.t("draft.unknown")
        local = (dt if dt.tzinfo else dt.replace(tzinfo=self.cfg.tz)).astimezone(self.cfg.tz)
        return self.t("draft.datetime", date=self.day(dt), time=local.strftime("%H:%M"))

    def day(self, dt: datetime | None) -> str:
        if dt is None:
            return self.t("draft.unknown")
        local = (dt if dt.tzinfo else dt.replace(tzinfo=self.cfg.tz)).astimezone(self.cfg.tz)
        return self.t("cal.date", date=local.date().isoformat(), weekday=self.t(f"cal.weekday.{local.weekday()}"))

    def text(self, item: Item) -> str:
        tpl = self.templates.get(item.id)
        return tpl.text.get(self.lang, item.text) if tpl else item.text

    def mapped(self, n: int) -> tuple[Item, ...]:
        """The incident's items whose template feeds section ``n``."""
        return tuple(i for i in self.inc.items if (tpl := self.templates.get(i.id)) and n in tpl.report)

    def label(self, prefix: str, value: str) -> str:
        try:
            return self.t(f"{prefix}.{value}")
        except KeyError:
            return value

    def flag(self, n: int) -> str:
        ids = [i.id for i in self.mapped(n)]
        if not ids:
            return self.t("draft.missing.nowhere", what=self.t(f"draft.what.{n}"))
        return self.t("draft.missing.items", what=self.t(f"draft.what.{n}"), items=self.t("draft.list_sep").join(ids))

    def notes(self, n: int, cite: bool = True) -> list[str]:
        """The recorded notes (and not-applicable reasons) of the items feeding section ``n``."""
        out: list[str] = []
        for item in self.mapped(n):
            if item.note.strip():
                note = item.note.strip()
                out.append(BULLET + (self.t("draft.from_item", note=note, item=item.id) if cite else note))
            if cite and item.state == "na" and item.reason.strip():
                reason = item.reason.strip()
                out.append(BULLET + self.t("draft.na_item", item=item.id, text=self.text(item), reason=reason, name=self.name(item.by)))
        return out

    def state(self, item: Item) -> str:
        state = self.t(f"draft.state.{item.state}")
        if item.state == "open":
            return state
        return self.t("draft.status_by", state=state, name=self.name(item.by), at=self.at(item.at))

    def status(self, item: Item) -> list[str]:
        """One item as a list entry: its state, who and when, and its note or reason."""
        out = [BULLET + self.t("draft.status_line", item=item.id, text=self.text(item), state=self.state(item))]
        if item.note.strip():
            out.append(SUB + self.t("draft.status_note", note=item.note.strip()))
        if item.state == "na" and item.reason.strip():
            out.append(SUB + self.t("draft.status_reason", reason=item.reason.strip()))
        return out

    def section(self, n: int, paragraphs: list[str], recorded: bool, sources: Iterable[str] = (), flag: str = "") -> Section:
        heading = self.t("draft.heading", n=n, name=self.t(f"draft.section.{n}"))
        ids = tuple(dict.fromkeys([*(i.id for i in self.mapped(n)), *sources]))
        if recorded:
            return Section(n, heading, tuple(paragraphs), False, ids)
        return Section(n, heading, (flag or self.flag(n), *paragraphs), True, ids)


# ---- the report (規則第3条第1項) --------------------------------------------------------------------


def _applicability(r: _Record, assessed: AssessmentInput) -> list[str]:
    try:
        a = assess(assessed)
    except ValueError:  # a date outside the calendar the engine knows
        return [r.t("draft.applicability.failed")]
    sep = r.t("assess.list_sep")
    nos = sep.join(r.t("assess.cite.no", no=no) for no in a.items)
    out = [r.t(f"draft.applicability.{a.report}", items=r.t("assess.cite.mynumber.items", nos=nos))]
    out += [BULLET + render_reason(x, r.lang) for x in a.reasons if x.law == "mynumber"]
    if a.drivers:
        out.append(r.t("assess.drivers", facts=sep.join(r.t(f"assess.fact.{d}") for d in a.drivers)))
    if a.appi.report == "duty":
        anos = sep.join(r.t("assess.cite.no", no=no) for no in a.appi.items)
        out.append(r.t("draft.applicability.appi.duty", items=r.t("assess.cite.appi.items", nos=anos)))
    else:  # the engine's one reason: outside every item, or excluded by encryption
        out += [r.t("draft.applicability.appi.other", line=render_reason(x, r.lang)) for x in a.reasons if x.law == "appi"]
    return out


def _timeline(r: _Record) -> list[str]:
    inc = r.inc
    events: list[tuple[datetime, int, str]] = [
        (inc.created_at, 0, r.t("draft.event.created", at=r.at(inc.created_at), name=r.name(inc.reporter), id=inc.id))
    ]
    esc = inc.escalation
    if esc.acked_at is not None:
        events.append((esc.acked_at, 1, r.t("draft.event.acked", at=r.at(esc.acked_at), name=r.name(esc.acked_by))))
    for item in inc.items:
        if item.state != "open" and item.at is not None:
            key = "draft.event.done" if item.state == "done" else "draft.event.na"
            events.append((item.at, 2, r.t(key, at=r.at(item.at), item=item.id, text=r.text(item), name=r.name(item.by))))
    if inc.status == "closed" and inc.closed_at is not None:
        events.append((inc.closed_at, 3, r.t("draft.event.closed", at=r.at(inc.closed_at), name=r.name(inc.closed_by))))
    return [BULLET + text for _, _, text in sorted(events, key=lambda e: (e[0], e[1]))]


def _summary(r: _Record, assessed: AssessmentInput) -> Section:
    f = r.inc.facts
    paras = [r.t("draft.summary", text=f.summary.strip())] if f.summary.strip() else []
    paras += [
        r.t("draft.occurred", at=r.at(f.occurred_at)),
        r.t("draft.discovered", at=r.at(f.discovered_at)),
        r.t("draft.finder", name=r.name(r.inc.reporter)),
        *_applicability(r, assessed),
        r.t("draft.outsourcee", value=r.t(f"draft.outsourcee.{f.outsourcee}")),
        r.t("draft.timeline"),
        *_timeline(r),
    ]
    notes = r.notes(1)
    if notes:
        paras += [r.t("draft.notes"), *notes]
    return r.section(1, paras, bool(f.summary.strip()), ("facts.summary", "facts.occurred_at", "facts.discovered_at"))


def _data_lines(r: _Record, notice: bool = False) -> list[str]:
    f = r.inc.facts
    prefix = "draft.notice." if notice else "draft."
    out = []
    if f.data_items:
        out.append(r.t(prefix + "data_items", items=r.t("draft.list_sep").join(r.label("data", d) for d in f.data_items)))
    out.append(r.t(prefix + "medium", medium=r.label("medium", f.medium)))
    if not notice:
        out.append(r.t("draft.whose", whose=r.label("whose", f.whose)))
    return out


def _data_items(r: _Record) -> Section:
    notes = r.notes(2)
    paras = _data_lines(r) + notes
    return r.section(2, paras, bool(r.inc.facts.data_items or notes), ("facts.data_items", "facts.medium", "facts.whose"))


def _count(r: _Record) -> Section:
    f = r.inc.facts
    notes = r.notes(3)
    if f.people is not None and f.people_max is not None and f.people_max > f.people:
        count = r.t("draft.people_range", n=f.people, max=f.people_max)
    elif f.people is not None:
        count = r.t("facts.people_n", n=f.people)
    elif f.people_max is not None:
        count = r.t("facts.people_unknown_max", n=f.people_max)
    else:
        return r.section(3, notes, bool(notes), ("facts.people", "facts.people_max"))
    return r.section(3, [r.t("draft.people", count=count), *notes], True, ("facts.people", "facts.people_max"))


def _text_section(r: _Record, n: int, extra: list[str] | None = None) -> Section:
    """A section made of the notes of its items (cause, secondary harm)."""
    notes = r.notes(n)
    return r.section(n, notes + (extra or []) if notes else [], bool(notes))


def _status_section(r: _Record, n: int) -> Section:
    """A section made of its items' states and notes (actions toward individuals, publication)."""
    items = r.mapped(n)
    recorded = any(i.state != "open" or i.note.strip() for i in items)
    paras = [p for i in items for p in r.status(i)] if recorded else []
    return r.section(n, paras, recorded)


def _measures(r: _Record) -> Section:
    items = r.mapped(8)
    if not any(i.state != "open" or i.note.strip() for i in items):
        return r.section(8, [], False)
    paras: list[str] = []
    for state, key in (("done", "draft.measures.done"), ("open", "draft.measures.planned"), ("na", "draft.measures.na")):
        group = [i for i in items if i.state == state]
        if not group:
            continue
        paras.append(r.t(key))
        for i in group:
            line = f"{i.id} {r.text(i)}"
            if state == "done":
                line = r.t("draft.status_line", item=i.id, text=r.text(i), state=r.state(i))
            paras.append(BULLET + line)
            if i.note.strip():
                paras.append(SUB + r.t("draft.status_note", note=i.note.strip()))
            if state == "na" and i.reason.strip():
                paras.append(SUB + r.t("draft.status_reason", reason=i.reason.strip()))
    return r.section(8, paras, True)


def _other(r: _Record) -> Section:
    inc = r.inc
    paras: list[str] = []
    if inc.facts.notes.strip():
        paras.append(r.t("draft.other.facts_notes", text=inc.facts.notes.strip()))
    paras += r.notes(9)
    if inc.close_reason.strip():
        paras.append(r.t("draft.other.close_reason", text=inc.close_reason.strip()))
    if inc.drill:
        paras.append(r.t("draft.other.drill"))
    return r.section(9, paras, bool(paras), ("facts.notes", "close_reason"), flag=r.t("draft.missing.other"))


def build_report(incident: Incident, config: OrgConfig, assessed: AssessmentInput | None = None, lang: str = DEFAULT_LANG) -> Draft:
    """The report to the PPC (規則第3条第1項 items 1–9) from ``incident``'s record.

    ``assessed`` is the assessment's input for section 1's 規則第2条 items (e.g. answered in an
    assessment); without it, it is read from the record (:func:`flows.law.assessment_input`).
    """
    r = _Record(incident, config, lang)
    assessed = assessed or assessment_input(incident, config)
    sections = (
        _summary(r, assessed),
        _data_items(r),
        _count(r),
        _text_section(r, 4, _outsourcee_line(r)),
        _text_section(r, 5),
        _status_section(r, 6),
        _status_section(r, 7),
        _measures(r),
        _other(r),
    )
    intro = [r.t("draft.report.intro.org", org=config.organisation)] if config.organisation else []
    intro += [r.t("draft.report.intro.id", id=incident.id), r.t("draft.report.intro.basis")]
    draft = Draft(
        title=r.t("draft.report.title", drill=_drill(r), id=incident.id),
        sections=sections,
        kind="report",
        header=r.t("draft.header", id=incident.id),
        intro=tuple(intro),
        lang=r.lang,
        incident_id=incident.id,
    )
    return _scrub(draft)


def _outsourcee_line(r: _Record) -> list[str]:
    value = r.inc.facts.outsourcee
    return [r.t("draft.outsourcee", value=r.t(f"draft.outsourcee.{value}"))] if value in ("yes", "no") else []


def _drill(r: _Record) -> str:
    return r.t("drill.label") + " " if r.inc.drill else ""


# ---- the notice to the individuals (規則第5条) --------------------------------------------------------


def _notice_section(r: _Record, n: int, paragraphs: list[str], recorded: bool, sources: Iterable[str] = ()) -> Section:
    s = r.section(n, paragraphs, recorded, sources)
    return replace(s, heading=r.t("draft.heading.notice", n=n, name=r.t(f"draft.notice.section.{n}")))


def build_notice(incident: Incident, config: OrgConfig, lang: str = DEFAULT_LANG) -> Draft:
    """The notice to the individuals (規則第5条: items 1, 2, 4, 5 and 9) from ``incident``'s record."""
    r = _Record(incident, config, lang)
    f = incident.facts
    summary = [f.summary.strip()] if f.summary.strip() else []
    summary += [r.t("draft.notice.occurred", at=r.day(f.occurred_at)), r.t("draft.notice.discovered", at=r.day(f.discovered_at))]
    cause, harm = r.notes(4, cite=False), r.notes(5, cite=False)
    advice = [r.t("draft.notice.scam"), r.t("draft.notice.municipality"), r.t("draft.notice.contact")]
    sections = (
        _notice_section(r, 1, summary, bool(f.summary.strip()), ("facts.summary", "facts.occurred_at", "facts.discovered_at")),
        _notice_section(r, 2, _data_lines(r, notice=True), bool(f.data_items), ("facts.data_items", "facts.medium")),
        _notice_section(r, 4, cause, bool(cause)),
        _notice_section(r, 5, harm, bool(harm)),
        replace(_notice_section(r, 9, advice, True), sources=()),
    )
    apology = r.t("draft.notice.apology", org=config.organisation) if config.organisation else r.t("draft.notice.apology_noorg")
    outro = [r.t("draft.notice.closing")] + ([config.organisation] if config.organisation else [])
    draft = Draft(
        title=r.t("draft.notice.title", drill=_drill(r)),
        sections=sections,
        kind="notice",
        header=r.t("draft.header", id=incident.id),
        intro=(r.t("draft.notice.intro.basis"), apology),
        outro=tuple(outro),
        lang=r.lang,
        incident_id=incident.id,
    )
    return _scrub(draft)


# ---- output ---------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return redact(text)[0]


def _scrub(draft: Draft) -> Draft:
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
    blocks += [_md(p) for p in draft.intro]
    for s in draft.sections:
        blocks.append(f"## {s.heading}")
        blocks += _paragraphs(s.paragraphs, marker)
    blocks += [_md(p) for p in draft.outro]
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
