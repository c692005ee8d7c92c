"""The public announcement (公表文): what happened, to whom, the cause, secondary harm, what we have done,
the measures against recurrence, the inquiry desk. Publishing is desirable for every incident and a
substitute for the notice where notifying each person is impracticable (LEGAL.md)."""

from __future__ import annotations

from datetime import date

from bot.core.config import OrgConfig
from bot.core.i18n import DEFAULT_LANG
from bot.core.model import Incident
from flows.drafts.common import BULLET, Draft, Record, Section
from flows.drafts.letters import contacted, dated, desk, from_notes, leak_word, letter, mynumber_affected, what_happened, what_we_did
from flows.drafts.letters import data_items as items_section

__all__ = ["build_announcement"]


def _measures(r: Record, n: int) -> Section:
    paras = [BULLET + r.measure(m) for m in r.inc.measures]
    return r.section(n, r.t("drafts.announcement.h.measures"), paras, bool(paras), ("measures",), flag=r.t("drafts.missing.measures"))


def _ask(r: Record, n: int) -> Section:
    paras = [r.t("drafts.notice.scam")]
    if mynumber_affected(r.inc):
        paras.append(r.t("drafts.notice.municipality"))
    return Section(n, r.t("drafts.announcement.h.ask"), tuple(paras), False)


def build_announcement(incident: Incident, config: OrgConfig, lang: str = DEFAULT_LANG, on: date | None = None) -> Draft:
    """The announcement to the public, dated ``on``."""
    r = Record(incident, config, lang)
    title = r.t("drafts.announcement.title", drill=r.drill(), leak=leak_word(r))
    intro = (
        dated(r, on),
        r.t("drafts.letter.right", text=r.company("name")),
        r.t("drafts.announcement.opening", leak=leak_word(r)),
        r.t("drafts.letter.below_public"),
        r.t("drafts.letter.ki"),
    )
    sections = (
        what_happened(r, 1),
        items_section(r, 2, count=True),
        from_notes(r, 3, 4, "drafts.letter.h.cause"),
        from_notes(r, 4, 5, "drafts.letter.h.harm"),
        what_we_did(r, 5, measures=False),
        _measures(r, 6),
        _ask(r, 7),
        desk(r, 8),
    )
    return letter(r, "announcement", title, sections, intro, r.t("drafts.announcement.closing" + ("_contacted" if contacted(r) else "")))
