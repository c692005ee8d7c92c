"""The notice to the principal (委託元への通知, 規則第4条; 別添２ 3F): as outsourcee, items 1–9 of
規則第3条第1項 as far as known, promptly (about 3–5 days). It releases the outsourcee from its own
report and from the notice to individuals. Names both parties."""

from __future__ import annotations

from datetime import date

from bot.core.config import OrgConfig
from bot.core.i18n import DEFAULT_LANG
from bot.core.model import Incident
from flows.assessment import AssessmentInput
from flows.drafts.common import Draft, Record
from flows.drafts.letters import dated, leak_word, letter, sender
from flows.drafts.report import report_sections
from flows.law import assessment_input

__all__ = ["build_principal_notice"]


def build_principal_notice(
    incident: Incident, config: OrgConfig, lang: str = DEFAULT_LANG, on: date | None = None, assessed: AssessmentInput | None = None
) -> Draft:
    """The notice to the principal (the fact ``party_name`` names it), dated ``on``."""
    r = Record(incident, config, lang)
    title = r.t("drafts.principal.title", drill=r.drill(), leak=leak_word(r))
    intro = (
        dated(r, on),
        r.t("drafts.principal.to", party=r.party),
        *sender(r, contact=True),
        r.t("drafts.letter.subject", title=title),
        r.t("drafts.principal.opening", company=r.company("name"), party=r.party),
        r.t("drafts.letter.ki"),
    )
    sections = report_sections(r, assessed or assessment_input(incident, config))
    return letter(r, "principal", title, sections, intro, r.t("drafts.principal.closing"))
