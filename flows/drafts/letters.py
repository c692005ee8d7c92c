"""The pieces the letters share (the notice to individuals, the public announcement, the notice to the
principal): the date line, the sender, what happened, what we have done, the inquiry desk, 以上."""

from __future__ import annotations

from datetime import date

from bot.core.model import Incident
from flows.drafts.common import BULLET, Record, Section, sentence
from flows.drafts.report import count_text, submissions_of
from flows.measure_view import measure_line


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


def what_we_did(r: Record, n: int) -> Section:
    """What the company has done: containment and recovery recorded on the items of sections 1 and 9,
    the contact with the people concerned, the measures carried out, and the reports already made."""
    paras: list[str] = []
    for section in (1, 9, 6):
        for item in r.mapped(section):
            if item.state == "done":
                what = sentence(item.note) if item.note.strip() else r.t("drafts.timeline.done", text=r.text(item))
                line = BULLET + r.t("drafts.letter.done", at=r.day(item.at), what=what)
                if line not in paras:
                    paras.append(line)
    paras += [BULLET + measure_line(m, r.lang, r.day) for m in r.inc.measures if m.status == "done"]
    if submissions_of(r.inc):
        paras.append(BULLET + r.t("drafts.letter.reported"))
    return r.section(n, r.t("drafts.letter.h.done"), paras, bool(paras), flag=r.t("drafts.missing.done"))


def desk(r: Record, n: int) -> Section:
    value = r.cfg.company.inquiry_desk
    paras = [value] if value else [r.t("drafts.unset_desk")]
    if r.cfg.company.email:
        paras.append(r.t("drafts.letter.email", email=r.cfg.company.email))
    return Section(n, r.t("drafts.letter.h.desk"), tuple(paras), False, ("company.inquiry_desk",))


def mynumber_affected(inc: Incident) -> bool:
    """The municipality sentence belongs in the letter when My Numbers may have leaked."""
    return "mynumber" in inc.facts.data_items or not inc.facts.data_items
