"""Deadline reminders, for EACH law with a report duty (番号法 and 個人情報保護法 alike).

For every law the assessment gives a duty (:func:`flows.submissions.duties`), timers chase its
reports until they are on record (:class:`bot.core.model.Submission`): the 速報 on the first and the
last working day of its window, then the 確報 two working days before its deadline, the working day
before and on the day itself — when the chain is paged as well. Timers are rows keyed
``<law>:<step>`` (``mynumber:final-0``); each one re-checks the assessment and the records when it
fires, so a record, a facts edit that ends the duty, or closing the incident silences it even if it
was armed before. :func:`deadline_timers` cancels and re-arms them all; it is run at the report, after
a facts edit and after each recorded submission (idempotent: one pending timer per key).

The records drive the reminders, not the checklist: ticking the report item does not stop them
(``flows.filing`` asks for the record instead). A timer stored before the keys named their law
(``final-0``) is a My Number one.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from bot.core.effects import Audit, CancelTimers, Effect, Notify, Post, StartTimer
from bot.core.events import TimerFired
from bot.core.i18n import t
from bot.core.model import INDIVIDUAL_NOTICE, REPORT_SUBMISSION, Incident
from flows import outsourcing
from flows.calendar import previous_open_day, window_days
from flows.cards import note, page_card
from flows.common import Ctx, item_for, people, who
from flows.law import assessment
from flows.submissions import Duty, duties, filed, notice_laws

KIND = "deadline"
AT_NINE = time(9, 0)


def _at_nine(d: date, ctx: Ctx) -> datetime:
    return datetime.combine(d, AT_NINE, ctx.config.tz)


def plan(duty: Duty, inc: Incident) -> list[tuple[str, date]]:
    """The reminder days still needed for ``duty``: (step, day) on working days."""
    steps: list[tuple[str, date]] = []
    if duty.preliminary_due and not filed(inc, duty.law, "prelim"):
        steps += zip(("prelim", "prelim-last"), window_days(*duty.preliminary_due), strict=False)
    if not filed(inc, duty.law, "final"):
        before_1 = previous_open_day(duty.final_due)
        steps += [("final-2", previous_open_day(before_1)), ("final-1", before_1), ("final-0", duty.final_due)]
    return steps


def deadline_timers(inc: Incident, ctx: Ctx) -> list[Effect]:
    """(Re-)arm the deadline reminders of every law with a duty, for what is not yet on record, and
    those of the notice to the principal (``flows.outsourcing``: as outsourcee, until it is recorded)."""
    a = assessment(inc, ctx)
    effects: list[Effect] = [CancelTimers((KIND,)), *outsourcing.timers(inc, a, ctx)]  # and the notice to the principal's
    if inc.status != "open":
        return effects
    for duty in duties(a, inc):
        for step, day in plan(duty, inc):
            due = _at_nine(day, ctx)
            if due > ctx.now:
                effects.append(StartTimer(KIND, f"{duty.law}:{step}", due, {"law": duty.law, "final_due": duty.final_due.isoformat()}))
    return effects


def _who(inc: Incident, ctx: Ctx) -> str:
    item = item_for(inc, REPORT_SUBMISSION, ctx.config)
    if item is not None and item.owner:
        return who(item.owner, inc.lang)
    return people(inc.escalation.members()[:5], inc.lang)


def notice_line(inc: Incident, ctx: Ctx) -> str:
    """A line on the notice to individuals when either law requires it and it is neither given (the
    item tagged ``individual_notice`` ticked) nor replaced by substitute measures; "" otherwise."""
    laws = notice_laws(assessment(inc, ctx), inc)
    item = item_for(inc, INDIVIDUAL_NOTICE, ctx.config)
    if not laws or (item is not None and item.state != "open"):
        return ""
    lang, decision = inc.lang, inc.notice
    if decision is not None and decision.kind == "substitute":
        return ""
    basis = t("lifecycle.and", lang).join(t(f"lifecycle.notice_basis.{law}", lang) for law in laws)
    if decision is not None and decision.kind == "defer":
        return t("lifecycle.remind_notice_deferred", lang, basis=basis, on=decision.revisit_on.isoformat() if decision.revisit_on else "-")
    return t("lifecycle.remind_notice", lang, basis=basis)


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """A reminder in the thread while the report it chases is not on record; on the 確報 deadline day
    (``final-0``) a page to the chain as well. Laws whose same step falls on the same day share one
    reminder (and one page): the first law's timer sends it, naming them all; the other's does nothing.
    A reminder that fires after a later one of its law came due (after an outage) is superseded by it."""
    law, _, step = event.key.rpartition(":")
    law = law or "mynumber"
    if inc.status != "open":
        return inc, []
    owed = {d.law: dict(plan(d, inc)) for d in duties(assessment(inc, ctx), inc)}
    day = owed.get(law, {}).get(step)
    if day is None:  # no duty under this law any more, or its report is on record
        return inc, []
    today = ctx.now.astimezone(ctx.config.tz).date()
    if any(day < later <= today for later in owed[law].values()):
        return inc, []  # fired late (the bot was down): a later reminder of this law is due too and says it
    together = [d for d in duties(assessment(inc, ctx), inc) if owed[d.law].get(step) == day]
    if together[0].law != law:
        return inc, []  # the reminder of the first law names this one too
    lang, who = inc.lang, _who(inc, ctx)
    names = t("lifecycle.and", lang).join(t(f"lifecycle.law.{d.law}", lang) for d in together)
    duty = together[0]
    if step.startswith("prelim") and duty.preliminary_due:
        first, last = duty.preliminary_due
        text = t("lifecycle.remind_prelim", lang, law=names, first=first.isoformat(), last=last.isoformat(), who=who)
    else:
        days = (duty.final_due - today).days
        key = "lifecycle.remind_final_today" if step == "final-0" or days <= 0 else "lifecycle.remind_final"
        text = t(key, lang, law=names, due=duty.final_due.isoformat(), n=max(days, 0), who=who)
    if extra := notice_line(inc, ctx):
        text += "\n" + extra
    effects: list[Effect] = [Post(note(text, "danger" if step == "final-0" else "warning"), thread_of="card")]
    if step == "final-0":  # the day itself and no 確報 on record: page up the chain
        card = replace(page_card(inc, ctx, 0), text=t("lifecycle.page_deadline", lang, law=names, due=duty.final_due.isoformat()))
        people = inc.escalation.members()
        effects += [Notify(u, card, f"deadline:{law}:{duty.final_due.isoformat()}:{i}") for i, u in enumerate(people)]
        laws = [d.law for d in together]
        effects.append(Audit("deadline.paged", {"laws": laws, "final_due": duty.final_due.isoformat(), "people": [u.key for u in people]}))
    return inc, effects
