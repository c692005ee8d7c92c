"""The response checklist: done / not applicable (with a reason) / owner / note.

Only the chain and the incident's responders may change an item; anyone else gets a private
refusal. After every change the step's card in the thread and the status card are updated in place.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.effects import Audit, Effect, OpenForm, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.i18n import t
from bot.core.model import Incident, Item
from bot.core.redaction import redact
from bot.core.views import Form, Input, strip_tokens
from flows import filing, reminders
from flows.cards import incident_card, step_card
from flows.common import Ctx, clean_text, guard, refuse, say

NA_FORM, NOTE_FORM = "item_na", "item_note"
TEXT_LIMIT = 1000


def _changed(inc: Incident, item: Item, ctx: Ctx, action: str, extra: dict[str, object] | None = None) -> tuple[Incident, list[Effect]]:
    new = inc.with_item(item)
    effects: list[Effect] = [
        Update(f"step:{item.step}", step_card(new, item.step, ctx)),
        Update("card", incident_card(new, ctx)),
        Audit(action, {"item": item.id, **(extra or {})}),
    ]
    return new, effects + reminders.ensure(new, ctx)


def press(inc: Incident, item_id: str, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    item = inc.item(item_id)
    if item is None:
        return inc, [refuse(event.actor, "item.unknown", ctx, event.place, item=item_id[:20])]
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    action = event.action.removeprefix("item:")
    if action == "done":
        if item.state != "open":
            return inc, [say(event.actor, "item.already", ctx, event.place, item=item.id)]
        if (asked := filing.ask_for_record(inc, item, event, ctx)) is not None:
            return asked  # the report item while a 確報 due is not on record: the record, not a tick
        return _changed(inc, replace(item, state="done", by=actor, at=ctx.now), ctx, "item.done")
    if action == "reopen":
        if item.state == "open":
            return inc, []
        return _changed(inc, replace(item, state="open", by=None, at=None, reason=""), ctx, "item.reopened")
    if action == "take":
        return _changed(inc, replace(item, owner=actor), ctx, "item.owner", {"owner": actor.key})
    if action in ("na", "note"):
        form_id = NA_FORM if action == "na" else NOTE_FORM
        name, label = ("reason", t("item.na_reason", ctx.lang)) if action == "na" else ("note", t("item.note_label", ctx.lang))
        form = Form(
            form_id,
            t("item.form_title", ctx.lang, item=item.id),
            t("form.save", ctx.lang),
            (Input(name, label, "textarea", action == "na", initial=item.note if action == "note" else "", max_length=TEXT_LIMIT),),
            context=f"{inc.id}|{item.id}",
            intro=item.text,
        )
        return inc, [OpenForm(event.actor, event.trigger or "", form, event.place)]
    return inc, [refuse(event.actor, "item.unknown", ctx, event.place, item=action[:20])]


def submit(inc: Incident, item_id: str, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    item = inc.item(item_id)
    if item is None:
        return inc, [refuse(event.actor, "item.unknown", ctx, event.place, item=item_id[:20])]
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    name = "reason" if event.form_id == NA_FORM else "note"
    raw = event.values.get(name, "")
    text, masked = redact(strip_tokens(clean_text(str(raw if isinstance(raw, str) else " ".join(raw)))).strip())
    effects: list[Effect] = []
    if masked:
        effects.append(say(event.actor, "intake.masked", ctx, event.place, n=masked))
    if len(text) > TEXT_LIMIT or (name == "reason" and not text):
        key = "form.err_too_long" if text else "form.err_required"
        form = Form(event.form_id, t("item.form_title", ctx.lang, item=item.id), t("form.save", ctx.lang),
                    (Input(name, t("item.na_reason" if name == "reason" else "item.note_label", ctx.lang), "textarea", name == "reason",
                           initial=text[:TEXT_LIMIT], max_length=TEXT_LIMIT),),
                    context=event.context, errors={name: t(key, ctx.lang, n=TEXT_LIMIT)})  # fmt: skip
        return inc, [RejectForm(form)]
    if name == "reason":
        new, more = _changed(inc, replace(item, state="na", reason=text, by=actor, at=ctx.now), ctx, "item.na", {"reason": text})
    else:
        new, more = _changed(inc, replace(item, note=text), ctx, "item.note", {"note": text})
    return new, effects + more
