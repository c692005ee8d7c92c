"""The pieces the letters share (the notice to individuals, the public announcement, the notice to the
principal): the date line, the sender, what happened, what we have done, the inquiry desk, 以上."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.core.model import Incident
from flows.drafts.common import BULLET, Draft, DraftKind, Record, Section, scrub, sentence
from flows.drafts.report import count_text, submissions_of


def leak_word(r: Record) -> str:
    """「漏えい」 or 「漏えいのおそれ」 (the fact ``leaked``), for titles and opening sentences."""
    return r.t("drafts.letter.leak_possible" if r.inc.facts.leaked == "unknown" else "drafts.letter.leak")


def sender(r: Record, contact: bool = False) -> list[str]:
    """The sender block: company, representative (or the department and contact for a business letter)."""
    lines = [r.company("name")]
    if contact:
        lines += [r.company("department") + " " + r.company("contact_person"), r.t("drafts.letter.tel", phone=r.company("phone"))]
    else:
        lines.append(r.company("representative"))
    return [r.t("drafts.letter.right", text=line) for line in lines]


def dated(r: Record, on: date | None) -> str:
    return r.t("drafts.letter.right", text=r.day(on) if on else r.t("drafts.letter.date_unset"))


def what_happened(r: Record, n: int) -> Section:
    f = r.inc.facts
    paras = [r.t("drafts.letter.occurred", at=r.day(f.occurred_at)), r.t("drafts.letter.known", at=r.day(f.discovered_at))]
    if f.summary.strip():
        paras.append(sentence(f.summary))
    return r.section(n, r.t("drafts.letter.h.what"), paras, bool(f.summary.strip()), ("facts.summary",), flag=r.flag(1))


def data_items(r: Record, n: int, count: bool = False) -> Section:
    f = r.inc.facts
    paras = [r.t("drafts.letter.items", items=r.joined(r.label("data", d) for d in f.data_items))] if f.data_items else []
    if count:
        if people := count_text(r):
            paras.append(r.t("drafts.letter.people", whose=r.label("whose", f.whose), count=people))
    return r.section(n, r.t("drafts.letter.h.items"), paras, bool(f.data_items), ("facts.data_items",), flag=r.flag(2))


def from_notes(r: Record, n: int, section: int, heading: str) -> Section:
    notes = r.notes(section)
    return r.section(n, r.t(heading), notes, bool(notes), flag=r.flag(section))


def what_we_did(r: Record, n: int, contact: bool = True, measures: bool = True) -> Section:
    """What the company has done, as recorded: the notes of the first response step's items done
    (internal report, containment, recovery) and of section 9 (police, other bodies), the contact with
    the people concerned (``contact``; not in the letter that is that contact), the measures carried
    out (``measures``; not where they have their own section), and a report to the PPC if one is recorded. Findings (encryption status …) are not actions."""
    first = {it.id for it in r.cfg.checklist[0].items} if r.cfg.checklist else set()
    items = [i for i in r.inc.items if i.id in first] + list(r.mapped(9)) + (list(r.mapped(6)) if contact else [])
    paras: list[str] = []
    for item in items:
        line = BULLET + sentence(item.note)
        if item.state == "done" and item.note.strip() and line not in paras:
            paras.append(line)
    paras += [BULLET + r.measure(m) for m in r.inc.measures if measures and m.status == "done"]
    if submissions_of(r.inc):
        paras.append(BULLET + r.t("drafts.letter.reported"))
    return r.section(n, r.t("drafts.letter.h.done"), paras, bool(paras), flag=r.t("drafts.missing.done"))


def contacted(r: Record) -> bool:
    """Is the contact with the people concerned recorded as done (an item of report section 6)?"""
    return any(i.state == "done" for i in r.mapped(6))


def desk(r: Record, n: int) -> Section:
    value = r.cfg.company.inquiry_desk
    paras = [value] if value else [r.t("drafts.unset_desk")]
    if r.cfg.company.email:
        paras.append(r.t("drafts.letter.email", email=r.cfg.company.email))
    return Section(n, r.t("drafts.letter.h.desk"), tuple(paras), False, ("company.inquiry_desk",))


def mynumber_affected(inc: Incident) -> bool:
    """The municipality sentence belongs in the letter when My Numbers may have leaked."""
    return "mynumber" in inc.facts.data_items or not inc.facts.data_items


def letter(r: Record, kind: DraftKind, title: str, sections: Sequence[Section], intro: Sequence[str], closing: str) -> Draft:
    """A letter-shaped draft (notice, announcement, notice to the principal): its sections between the
    opening and the closing line, ending with 以上; scrubbed of My Numbers like every draft."""
    return scrub(
        Draft(
            title=title,
            sections=tuple(sections),
            kind=kind,
            header=r.t("draft.header", id=r.inc.id),
            intro=tuple(intro),
            outro=(closing, r.t("drafts.letter.end")),
            lang=r.lang,
            incident_id=r.inc.id,
        )
    )
