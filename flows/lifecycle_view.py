"""The status card's block for the report lifecycle: what was filed and what is still due, per law,
the decision on the notice to individuals, and the buttons that record them."""

from __future__ import annotations

from bot.core.i18n import join, t
from bot.core.model import Incident, NoticeDecision, Submission
from bot.core.views import Button, Field
from flows import outsourcing
from flows.common import Ctx, who
from flows.law import assessment
from flows.submissions import LAWS, duties, filed, recorded

SUBMISSION_ACTION, NOTICE_ACTION = "submission:record", "notice:decide"


def _line(s: Submission, ctx: Ctx, lang: str) -> str:
    return t(
        "lifecycle.card.record",
        lang,
        kind=t(f"lifecycle.kind.{s.kind}", lang),
        on=s.submitted_on.isoformat(),
        channel=t(f"lifecycle.channel.{s.channel}", lang, ministry=ctx.config.appi_report_to),
        receipt=s.receipt or "-",
        name=who(s.by, lang),
    )


def _decision(d: NoticeDecision, lang: str) -> str:
    measures = join((t(f"lifecycle.measure.{m}", lang) for m in d.measures), lang) or "-"
    on = d.revisit_on.isoformat() if d.revisit_on else "-"
    return t(f"lifecycle.card.notice_{d.kind}", lang, reason=d.reason, on=on, measures=measures, name=who(d.by, lang))


def fields(inc: Incident, ctx: Ctx) -> tuple[Field, ...]:
    """One field per law with a duty or a record (records, then what is still due), and the notice decision."""
    lang, owed = inc.lang, {d.law: d for d in duties(assessment(inc, ctx), inc)}
    out = []
    for law in LAWS:
        lines = [_line(s, ctx, lang) for s in recorded(inc, law)]
        duty = owed.get(law)
        if duty is not None and duty.preliminary_due and not filed(inc, law, "prelim"):
            first, last = duty.preliminary_due
            lines.append(t("lifecycle.card.prelim_due", lang, first=first.isoformat(), last=last.isoformat()))
        if duty is not None and not filed(inc, law, "final"):
            lines.append(t("lifecycle.card.final_due", lang, due=duty.final_due.isoformat()))
        if lines:
            out.append(Field(t("lifecycle.card.submissions", lang, law=t(f"lifecycle.law.{law}", lang)), "\n".join(lines)))
    if inc.notice is not None:
        out.append(Field(t("lifecycle.card.notice", lang), _decision(inc.notice, lang)))
    return tuple(out)


def buttons(inc: Incident) -> tuple[Button, ...]:
    if inc.status != "open":
        return ()
    lang = inc.lang
    return (
        Button(t("lifecycle.button.record", lang), SUBMISSION_ACTION, inc.id),
        Button(t("lifecycle.button.notice", lang), NOTICE_ACTION, inc.id),
        *([Button(t("outsourcee.button.record", lang), outsourcing.ACTION, inc.id)] if inc.facts.role == "outsourcee" else []),
    )
