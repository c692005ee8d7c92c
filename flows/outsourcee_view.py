"""The status card's lines on the notice to the principal (as outsourcee): its target while it is
due, the record once it is given, and what the record releases us from (``flows.outsourcing``)."""

from __future__ import annotations

from bot.core.i18n import t
from bot.core.model import Incident, PrincipalNotice
from bot.core.views import Field, person
from flows.assessment import Assessment
from flows.outsourcing import late, released


def record_line(n: PrincipalNotice, a: Assessment, lang: str) -> str:
    """One line for the notice as recorded: the day, how, to whom, who recorded it (and if it was late)."""
    line = t("outsourcee.card.record", lang, on=n.notified_on.isoformat(), how=t(f"outsourcee.how.{n.how}", lang), to=n.to,
             name=person(n.by))  # fmt: skip
    if late(n, a) and a.principal_notice_due is not None:
        line += t("outsourcee.card.late", lang, last=a.principal_notice_due[1].isoformat())
    return line


def fields(inc: Incident, a: Assessment) -> tuple[Field, ...]:
    """The card's field for the notice to the principal: nothing unless we are the outsourcee."""
    lang, n = inc.lang, inc.principal_notice
    if n is not None and released(inc):
        value = record_line(n, a, lang) + "\n" + t("outsourcee.card.released", lang)
        return (Field(t("outsourcee.card.title", lang), value),)
    if a.principal_notice_due and inc.facts.role == "outsourcee":
        first, last = (d.isoformat() for d in a.principal_notice_due)
        value = t("law.principal_notice_value", lang, first=first, last=last) + "\n" + t("outsourcee.card.not_recorded", lang)
        return (Field(t("law.principal_notice", lang), value),)
    return ()
