"""As outsourcee (委託先): the notice to the principal (委託元), read without I/O.

The engine gives its target, days 3-5 from the day we knew (規則第4条, 別添２ 3F:「概ね３日～５日以内」;
``Assessment.principal_notice_due``). Once it is on record (:class:`bot.core.model.PrincipalNotice`)
the outsourcee is released from its own report AND from the notice to individuals:

* 番号法第29条の4第1項ただし書 and 第2項（同項ただし書の規定による通知をした者を除く）; 別添２ 3F
  「委託先は、…委託元に対し、…その時点で把握しているものを通知したときは、報告義務を免除される」
  and 4A「…報告義務を免除されるとともに、本人への通知義務も免除される」;
* 個人情報保護法第26条第1項ただし書 and 第2項 (施行規則第9条), alike for the general privacy law;
* LEGAL.md "Outsourcing": "is released from its own report AND from the notice to individuals".

:func:`released` is what ``flows.submissions`` reads to drop both duties (no more 速報・確報
reminders, no notice to individuals due); the engine's assessment itself is unchanged (it says what
the facts make of the event; the record says what we did about it).

Reminders chase the notice until it is recorded: on the first working day of the target window and on
its last working day, in business hours (timers of kind :data:`KIND`, keys ``first`` / ``last``);
``flows.principal_notice`` re-checks this plan when each fires.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.core.effects import CancelTimers, Effect, StartTimer
from bot.core.model import Incident, PrincipalNotice
from flows.assessment import Assessment
from flows.calendar import window_days
from flows.common import Ctx

KIND = "principal_notice"
ACTION = "principal_notice:record"
HOW = ("email", "letter", "phone", "other")
STEPS = ("first", "last")


def released(inc: Incident) -> bool:
    """Are we the outsourcee with our notice to the principal on record (released from the report and
    from the notice to individuals: 番号法第29条の4第1項ただし書・第2項, 個人情報保護法第26条第1項ただし書・第2項)?"""
    return inc.facts.role == "outsourcee" and inc.principal_notice is not None


def late(n: PrincipalNotice, a: Assessment) -> bool:
    """Was the notice given after the last day of its target (about 3-5 days)?"""
    return a.principal_notice_due is not None and n.notified_on > a.principal_notice_due[1]


def plan(inc: Incident, a: Assessment) -> dict[str, date]:
    """The reminder days still needed (step -> working day): none unless we are the outsourcee with a
    duty (the engine gives a target), the incident is open and no notice is on record."""
    if inc.status != "open" or inc.facts.role != "outsourcee" or inc.principal_notice is not None or a.principal_notice_due is None:
        return {}
    return dict(zip(STEPS, window_days(*a.principal_notice_due), strict=False))


def timers(inc: Incident, a: Assessment, ctx: Ctx) -> list[Effect]:
    """Cancel and re-arm the reminders of the notice to the principal (idempotent: one per key)."""
    effects: list[Effect] = [CancelTimers((KIND,))]
    target = a.principal_notice_due
    for step, day in plan(inc, a).items():
        due = datetime.combine(day, ctx.config.business_start, ctx.config.tz)
        if due > ctx.now and target is not None:
            effects.append(StartTimer(KIND, step, due, {"first": target[0].isoformat(), "last": target[1].isoformat()}))
    return effects
