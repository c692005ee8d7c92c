"""As outsourcee (委託先): recording the notice to the principal (委託元) from the card, and the
reminders that chase it (規則第4条, 別添２ 3F; what it releases us from: ``flows.outsourcing``).

A small form of its own (the submission form's law / kind / channel / receipt do not fit a letter to
a business partner): the day, how (e-mail, letter, phone, other), to whom (pre-filled with the fact
``party_name``; free text, My Numbers masked like every input). Recording again corrects the record;
each record goes to the audit trail (``principal_notice.recorded``). The checks: a real day, not in
the future and not before the day the company knew.

The reminders (timers of kind ``principal_notice``, armed with the deadline ones by
``flows.deadlines.deadline_timers``) re-check the role, the assessment and the record when they fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from bot.core.effects import Audit, Effect, OpenForm, Post, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted, TimerFired
from bot.core.i18n import t
from bot.core.model import Incident, PrincipalNotice, UserRef
from bot.core.views import Form, Input, Option, person
from flows.cards import incident_card, note
from flows.common import Ctx, guard, people, say
from flows.deadlines import deadline_timers
from flows.forms import parse_day, pick, text_value
from flows.law import assessment, known_on
from flows.outsourcing import ACTION, HOW, KIND, late, plan

__all__ = ["ACTION", "FORM_ID", "KIND", "form", "on_timer", "open_form", "submit"]

FORM_ID = "principal_notice"
TO_LIMIT = 200


def form(inc: Incident, ctx: Ctx, values: Mapping[str, object] | None = None, errors: dict[str, str] | None = None) -> Form:
    """The form, pre-filled with the record (or today, e-mail and the fact ``party_name``)."""
    lang, v, n = ctx.lang, values or {}, inc.principal_notice
    today = ctx.now.astimezone(ctx.config.tz).date()
    initial = {
        "notified_on": (n.notified_on if n else today).isoformat(),
        "how": n.how if n else "email",
        "to": n.to if n else inc.facts.party_name,
    }

    def init(name: str) -> str:
        return str(v.get(name, initial[name]))

    inputs = (
        Input(
            "notified_on", t("outsourcee.form.notified_on", lang), "text", True, initial=init("notified_on"), hint=t("form.date_hint", lang)
        ),
        Input(
            "how",
            t("outsourcee.form.how", lang),
            "select",
            True,
            tuple(Option(h, t(f"outsourcee.how.{h}", lang)) for h in HOW),
            init("how"),
        ),
        Input("to", t("outsourcee.form.to", lang), "text", True, initial=init("to"), max_length=TO_LIMIT),
    )
    title = t("outsourcee.form.title", lang, id=inc.id)
    return Form(FORM_ID, title, t("form.save", lang), inputs, inc.id, t("outsourcee.form.intro", lang), errors or {})


def open_form(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx, "outsourcee.perm")) is not None:
        return inc, list(refusal)
    if inc.facts.role != "outsourcee":  # a card drawn before the role changed
        return inc, [say(event.actor, "outsourcee.not_outsourcee", ctx, event.place, id=inc.id)]
    return inc, [OpenForm(event.actor, event.trigger or "", form(inc, ctx), event.place)]


def _check(
    inc: Incident, values: Mapping[str, object], by: UserRef, ctx: Ctx
) -> tuple[PrincipalNotice | None, dict[str, object], dict[str, str], int]:
    """(the record or None, the values to show back, errors, My Numbers masked)."""
    lang = ctx.lang
    errors: dict[str, str] = {}
    how = pick(values, "how", HOW, errors, lang)
    to, masked = text_value(values, "to")
    raw, n = text_value(values, "notified_on")  # masked before it is cut: no half number left
    masked, raw = masked + n, raw[:64]
    clean: dict[str, object] = {"notified_on": raw, "how": how, "to": to[:TO_LIMIT]}
    if not to:
        errors["to"] = t("form.err_required", lang)
    elif len(to) > TO_LIMIT:
        errors["to"] = t("form.err_too_long", lang, n=TO_LIMIT)
    day = parse_day(raw) if raw else None
    if not raw:
        errors["notified_on"] = t("form.err_required", lang)
    elif day is None:
        errors["notified_on"] = t("form.err_date", lang)
    elif day > ctx.now.astimezone(ctx.config.tz).date():
        errors["notified_on"] = t("form.err_future", lang)
    elif day < (knew := known_on(inc, ctx.config.tz)):
        errors["notified_on"] = t("lifecycle.err_before_known", lang, day=knew.isoformat())
    if errors or day is None:
        return None, clean, errors, masked
    return PrincipalNotice(day, how, to, by, ctx.now), clean, {}, masked


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if (refusal := guard(inc, event, ctx, "outsourcee.perm")) is not None:
        return inc, list(refusal)
    if inc.facts.role != "outsourcee":
        return inc, [say(event.actor, "outsourcee.not_outsourcee", ctx, event.place, id=inc.id)]
    found, clean, errors, masked = _check(inc, event.values, actor, ctx)
    told: list[Effect] = [say(event.actor, "intake.masked", ctx, event.place, n=masked)] if masked else []
    if found is None:
        return inc, [*told, RejectForm(form(inc, ctx, clean, errors))]
    new = replace(inc, principal_notice=found)
    a, lang = assessment(new, ctx), inc.lang
    text = t("outsourcee.recorded_thread", lang, name=person(actor), on=found.notified_on.isoformat(),
             how=t(f"outsourcee.how.{found.how}", lang), to=found.to)  # fmt: skip
    if late(found, a) and a.principal_notice_due is not None:
        text += t("outsourcee.card.late", lang, last=a.principal_notice_due[1].isoformat())
    text += "\n" + t("outsourcee.card.released", lang)
    detail: dict[str, object] = {
        "notified_on": found.notified_on.isoformat(),
        "how": found.how,
        "to": found.to,
        "by": actor.key,
        "late": late(found, a),
        "corrects": inc.principal_notice.notified_on.isoformat() if inc.principal_notice else None,
        "masked_numbers": masked,
    }
    effects: list[Effect] = [
        Audit("principal_notice.recorded", detail),
        Update("card", incident_card(new, ctx)),
        Post(note(text, "success"), thread_of="card"),
        *told,
    ]
    return new, effects + deadline_timers(new, ctx)  # the notice's reminders stop; so do the report's (released)


def on_timer(inc: Incident, event: TimerFired, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    """A reminder in the thread while the notice is due and not on record (re-checked now: the role,
    the assessment and the record may have changed since the timer was armed). One that fires after
    the later reminder came due (the bot was down) is superseded by it."""
    a = assessment(inc, ctx)
    owed = plan(inc, a)
    day = owed.get(event.key)
    if day is None or a.principal_notice_due is None:
        return inc, []
    today = ctx.now.astimezone(ctx.config.tz).date()
    if any(day < later <= today for later in owed.values()):
        return inc, []
    lang = inc.lang
    first_day, last_day = (d.isoformat() for d in a.principal_notice_due)
    who = people(inc.escalation.members()[:5], lang)
    party = inc.facts.party_name or t("outsourcee.party_unset", lang)
    text = t(f"outsourcee.remind_{event.key}", lang, first=first_day, last=last_day, party=party, who=who)
    return inc, [Post(note(text, "danger" if event.key == "last" else "warning"), thread_of="card")]
