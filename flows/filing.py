"""Recording a submission (速報・確報・追完) from the incident card: the button, the form, its checks.

A record names its law, its kind, the day it was filed, the channel (the PPC's web form, or for the
general privacy law the ministry the organisation file names) and the receipt number (free text,
My Numbers masked like every input). The checks: a 追完 needs a 確報 of that law and is not older
than it; a second 確報 of a law, or a 速報 after its 確報, is refused (later additions are 追完); no
date in the future or before the day the company knew; My Number reports go to the PPC only.

Checkbox and records: the records drive the reminders (``flows.deadlines``). Recording the 確報
that leaves no law with a duty unrecorded ticks the report item (tagged ``report_submission``);
pressing "done" on that item while a 確報 due is not on record opens this form instead of ticking it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta

from bot.core.effects import Audit, Effect, OpenForm, Post, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.i18n import t
from bot.core.model import REPORT_SUBMISSION, Incident, Item, Submission, UserRef
from bot.core.redaction import redact
from bot.core.views import Form, Input, Option, person, strip_tokens
from flows import reminders
from flows.cards import incident_card, note, step_card
from flows.common import Ctx, clean_text, guard, item_for, say
from flows.deadlines import deadline_timers
from flows.forms import first, pick
from flows.intake import parse_when
from flows.law import assessment, known_on
from flows.lifecycle_view import SUBMISSION_ACTION
from flows.submissions import CHANNELS, KINDS, LAWS, destination, next_kind, outstanding, recorded

FORM_ID = "submission"
ACTION = SUBMISSION_ACTION
RECEIPT_LIMIT = 100


def law_options(ctx: Ctx, lang: str) -> tuple[Option, ...]:
    ppc = t("lifecycle.to.ppc", lang)
    return tuple(Option(law, t(f"lifecycle.law_to.{law}", lang, to=destination(law, ctx.config) or ppc)) for law in LAWS)


def form(
    inc: Incident, ctx: Ctx, values: Mapping[str, object] | None = None, errors: dict[str, str] | None = None, intro: str = ""
) -> Form:
    """The form, pre-filled with the next report due (or with ``values`` when shown back)."""
    lang, v = ctx.lang, values or {}
    due = outstanding(inc, assessment(inc, ctx))
    law = due[0].law if due else "mynumber"
    ministry = ctx.config.appi_report_to or t("lifecycle.to.no_ministry", lang)
    initial = {
        "law": law,
        "kind": next_kind(inc, law),
        "submitted_at": ctx.now.astimezone(ctx.config.tz).strftime("%Y-%m-%dT%H:%M"),
        "channel": "ministry" if law == "appi" and ctx.config.appi_report_to else "ppc_web",
        "receipt": "",
    }

    def init(name: str) -> str:
        return str(v.get(name, initial[name]))

    inputs = (
        Input("law", t("lifecycle.form.law", lang), "select", True, law_options(ctx, lang), init("law")),
        Input(
            "kind",
            t("lifecycle.form.kind", lang),
            "select",
            True,
            tuple(Option(k, t(f"lifecycle.kind.{k}", lang)) for k in KINDS),
            init("kind"),
        ),  # fmt: skip
        Input("submitted_at", t("lifecycle.form.submitted_at", lang), "datetime", True, initial=init("submitted_at")),
        Input(
            "channel",
            t("lifecycle.form.channel", lang),
            "select",
            True,
            tuple(Option(c, t(f"lifecycle.channel.{c}", lang, ministry=ministry)) for c in CHANNELS),
            init("channel"),
        ),  # fmt: skip
        Input(
            "receipt",
            t("lifecycle.form.receipt", lang),
            "text",
            False,
            initial=init("receipt"),
            hint=t("lifecycle.form.receipt_hint", lang),
            max_length=RECEIPT_LIMIT,
        ),  # fmt: skip
    )
    title = t("lifecycle.form.title", lang, id=inc.id)
    return Form(FORM_ID, title, t("form.save", lang), inputs, inc.id, intro or t("lifecycle.form.intro", lang), errors or {})


def open_form(inc: Incident, event: ButtonPressed, ctx: Ctx, intro: str = "") -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx, "lifecycle.perm_submission")) is not None:
        return inc, list(refusal)
    return inc, [OpenForm(event.actor, event.trigger or "", form(inc, ctx, intro=intro), event.place)]


def ask_for_record(inc: Incident, item: Item, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]] | None:
    """ "Done" on the report item while a 確報 due is not on record: the form, not a tick (None: tick it)."""
    report_item = item_for(inc, REPORT_SUBMISSION, ctx.config)
    if report_item is None or report_item.id != item.id:
        return None
    missing = outstanding(inc, assessment(inc, ctx))
    if not missing:
        return None
    laws = t("lifecycle.and", ctx.lang).join(t(f"lifecycle.law.{d.law}", ctx.lang) for d in missing)
    return open_form(inc, event, ctx, intro=t("lifecycle.form.intro_from_item", ctx.lang, item=item.id, laws=laws))


def _check(
    inc: Incident, values: Mapping[str, object], by: UserRef, ctx: Ctx
) -> tuple[Submission | None, dict[str, object], dict[str, str], int]:
    """(the record or None, the values to show back, errors, My Numbers masked)."""
    lang = ctx.lang
    errors: dict[str, str] = {}
    law = pick(values, "law", LAWS, errors, lang)
    kind = pick(values, "kind", KINDS, errors, lang)
    channel = pick(values, "channel", CHANNELS, errors, lang)
    receipt, masked = redact(strip_tokens(clean_text(first(values, "receipt"))).strip())
    raw_at, n = redact(clean_text(first(values, "submitted_at")))
    masked += n
    raw_at = raw_at.strip()[:64]
    clean: dict[str, object] = {"law": law, "kind": kind, "channel": channel, "receipt": receipt[:RECEIPT_LIMIT], "submitted_at": raw_at}
    if len(receipt) > RECEIPT_LIMIT:
        errors["receipt"] = t("form.err_too_long", lang, n=RECEIPT_LIMIT)
    when = parse_when(raw_at, ctx) if raw_at else None
    day = when.astimezone(ctx.config.tz).date() if when else None
    if not raw_at:
        errors["submitted_at"] = t("form.err_required", lang)
    elif when is None or day is None:
        errors["submitted_at"] = t("form.err_datetime", lang)
    elif when > ctx.now + timedelta(minutes=5):
        errors["submitted_at"] = t("form.err_future", lang)
    elif day < (knew := known_on(inc, ctx.config.tz)):
        errors["submitted_at"] = t("lifecycle.err_before_known", lang, day=knew.isoformat())
    if channel == "ministry" and law == "mynumber":
        errors["channel"] = t("lifecycle.err_mynumber_ppc", lang)
    elif channel == "ministry" and law == "appi" and not ctx.config.appi_report_to:
        errors["channel"] = t("lifecycle.err_no_ministry", lang)
    finals = recorded(inc, law, "final") if law else ()
    name = t(f"lifecycle.law.{law}", lang) if law else ""
    if kind == "supplement" and not finals:
        errors["kind"] = t("lifecycle.err_supplement_needs_final", lang, law=name)
    elif kind == "supplement" and day is not None and day < finals[0].submitted_on:
        errors["submitted_at"] = t("lifecycle.err_supplement_before_final", lang, law=name, day=finals[0].submitted_on.isoformat())
    elif kind in ("prelim", "final") and finals:
        errors["kind"] = t("lifecycle.err_after_final", lang, law=name, day=finals[0].submitted_on.isoformat())
    if errors or day is None:
        return None, clean, errors, masked
    return Submission(law, kind, day, channel, receipt, by, ctx.now), clean, {}, masked


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if (refusal := guard(inc, event, ctx, "lifecycle.perm_submission")) is not None:
        return inc, list(refusal)
    found, clean, errors, masked = _check(inc, event.values, actor, ctx)
    told: list[Effect] = [say(event.actor, "intake.masked", ctx, event.place, n=masked)] if masked else []
    if found is None:
        return inc, [*told, RejectForm(form(inc, ctx, clean, errors))]
    new = replace(inc, submissions=(*inc.submissions, found))
    effects: list[Effect] = [
        Audit(
            "submission.recorded",
            {
                "law": found.law,
                "kind": found.kind,
                "submitted_on": found.submitted_on.isoformat(),
                "channel": found.channel,
                "receipt": found.receipt,
                "by": actor.key,
                "masked_numbers": masked,
            },
        ),  # fmt: skip
    ]
    ticked = item_for(new, REPORT_SUBMISSION, ctx.config)
    if found.kind == "final" and ticked is not None and ticked.state == "open" and not outstanding(new, assessment(new, ctx)):
        ticked = replace(ticked, state="done", by=actor, at=ctx.now)  # every 確報 due is on record: the item is done
        new = new.with_item(ticked)
        effects += [
            Update(f"step:{ticked.step}", step_card(new, ticked.step, ctx)),
            Audit("item.done", {"item": ticked.id, "by": "submission"}),
        ]
    lang = inc.lang
    text = t(
        "lifecycle.recorded_thread",
        lang,
        name=person(actor),
        law=t(f"lifecycle.law.{found.law}", lang),
        kind=t(f"lifecycle.kind.{found.kind}", lang),
        on=found.submitted_on.isoformat(),
        channel=t(f"lifecycle.channel.{found.channel}", lang, ministry=ctx.config.appi_report_to),
        receipt=found.receipt or "-",
    )
    effects += [Update("card", incident_card(new, ctx)), Post(note(text, "success"), thread_of="card"), *told]
    return new, effects + deadline_timers(new, ctx) + reminders.ensure(new, ctx)
