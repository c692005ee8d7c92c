"""The notice to the individuals (番号法第29条の4第2項, 規則第5条; APPI 第26条第2項) as a company
letter: date, addressee, sender, subject, apology, then 記 — what happened, which data, the cause,
secondary harm, what we have done, what you can do (scam calls; a new number from the municipality,
番号法第7条第2項), the inquiry desk — and 以上. Report items 1, 2, 4, 5 and 9 as far as known."""

from __future__ import annotations

from datetime import date
from typing import Literal

from bot.core.config import OrgConfig
from bot.core.i18n import DEFAULT_LANG
from bot.core.model import Incident
from flows.drafts.common import Draft, Record, Section
from flows.drafts.letters import data_items as items_section
from flows.drafts.letters import dated, desk, from_notes, leak_word, letter, mynumber_affected, sender, what_happened, what_we_did

__all__ = ["NOTICE_SECTIONS", "Addressee", "build_notice"]

Addressee = Literal["individual", "all"]
NOTICE_SECTIONS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)


def _you_can(r: Record, n: int) -> Section:
    paras = [r.t("drafts.notice.scam")]
    if mynumber_affected(r.inc):
        paras.append(r.t("drafts.notice.municipality"))
    return Section(n, r.t("drafts.notice.h.you"), tuple(paras), False)


def build_notice(incident: Incident, config: OrgConfig, lang: str = DEFAULT_LANG, on: date | None = None, to: str = "individual") -> Draft:
    """The notice to the individuals, dated ``on``, to one person (「〇〇〇〇 様」, for a mail merge) or to
    all (``to="all"``: 「従業員各位」 / 「お客様各位」 by whose data it is)."""
    r = Record(incident, config, lang)
    whom = r.t("drafts.notice.to.one") if to != "all" else r.t(f"drafts.notice.to.all.{incident.facts.whose}")
    you = r.t(f"drafts.notice.you.{'all' if to == 'all' else 'customers' if incident.facts.whose == 'customers' else 'one'}")
    title = r.t("drafts.notice.title", drill=r.drill(), leak=leak_word(r))
    intro = (
        dated(r, on),
        whom,
        *sender(r),
        r.t("drafts.letter.subject", title=title),
        r.t("drafts.notice.opening", you=you, leak=leak_word(r)),
        r.t("drafts.letter.below"),
        r.t("drafts.letter.ki"),
    )
    sections = (
        what_happened(r, 1),
        items_section(r, 2),
        from_notes(r, 3, 4, "drafts.letter.h.cause"),
        from_notes(r, 4, 5, "drafts.letter.h.harm"),
        what_we_did(r, 5, contact=False),
        _you_can(r, 6),
        desk(r, 7),
    )
    return letter(r, "notice", title, sections, intro, r.t("drafts.notice.closing"))
