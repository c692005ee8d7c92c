"""The response checklist: done / not applicable (with a reason) / owner (``flows.assign``) / note.

Only the chain and the incident's responders may change an item; anyone else gets a private
refusal. After every change the step's card in the thread and the status card are updated in place.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.effects import Audit, Effect, OpenForm, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.i18n import t
from bot.core.model import Incident, Item, UserRef
from bot.core.redaction import redact
from bot.core.views import Form, Input, person, strip_tokens
from flows import assign, filing, reminders
from flows.cards import incident_card, step_card
from flows.common import Ctx, clean_text, guard, refuse, say
from flows.forms import first, options

NA_FORM, NOTE_FORM, ASSIGN_FORM = "item_na", "item_note", assign.FORM
TEXT_LIMIT = 1000
# "not applicable" says why: the item does not apply to this incident ("na"), or what it asks is not
# in place and is to be addressed ("gap": e.g. no training plan was ever made). The report files a gap
# as a gap (flows.drafts), never as "not applicable".
NA_KIND, NA_KINDS = "kind", ("na", "gap")


def _form(form_id: str, item: Item, ctx: Ctx, initial: str, context: str, errors: dict[str, str] | None = None) -> Form:
    """The not-applicable form (a reason and its kind) or the note form of ``item``."""
    lang = ctx.lang
    if form_id == NA_FORM:
        inputs: tuple[Input, ...] = (
            Input(
                NA_KIND, t("item.na_kind", lang), "select", True, options("item.na_kind", NA_KINDS, lang), hint=t("item.na_kind_hint", lang)
            ),
            Input("reason", t("item.na_reason", lang), "textarea", True, initial=initial, max_length=TEXT_LIMIT),
        )
    else:
        inputs = (Input("note", t("item.note_label", lang), "textarea", False, initial=initial, max_length=TEXT_LIMIT),)
    title = t("item.form_title", lang, item=item.id)
    return Form(form_id, title, t("form.save", lang), inputs, context=context, intro=item.text, errors=errors or {})


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
    if action in ("take", "unassign"):
        return _owner(inc, item, actor if action == "take" else None, actor, event, ctx)
    if action == "assign":
        return assign.open_form(inc, item, event, ctx)
    if action in ("na", "note"):
        form_id = NA_FORM if action == "na" else NOTE_FORM
        form = _form(form_id, item, ctx, item.note if action == "note" else "", f"{inc.id}|{item.id}")
        return inc, [OpenForm(event.actor, event.trigger or "", form, event.place)]
    return inc, [refuse(event.actor, "item.unknown", ctx, event.place, item=action[:20])]


def _owner(
    inc: Incident, item: Item, owner: UserRef | None, actor: UserRef, event: ButtonPressed | FormSubmitted, ctx: Ctx
) -> tuple[Incident, list[Effect]]:
    """Give ``item`` to ``owner`` (None: nobody): the cards updated, the thread told, the change audited."""
    changed = assign.change(inc, item, owner, actor)
    if changed is None:  # already so: say it, change nothing
        key = "cardux.assign.no_owner" if owner is None else "cardux.assign.already"
        return inc, [say(event.actor, key, ctx, event.place, item=item.id, name=person(owner or actor))]
    new_item, told, detail = changed
    new, effects = _changed(inc, new_item, ctx, "item.owner", detail)
    return new, [told, *effects]


def submit(inc: Incident, item_id: str, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    item = inc.item(item_id)
    if item is None:
        return inc, [refuse(event.actor, "item.unknown", ctx, event.place, item=item_id[:20])]
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    if event.form_id == assign.FORM:
        owner = assign.chosen(inc, item, event, ctx)
        if isinstance(owner, RejectForm):
            return inc, [owner]
        return _owner(inc, item, owner, actor, event, ctx)
    name = "reason" if event.form_id == NA_FORM else "note"
    raw = event.values.get(name, "")
    text, masked = redact(strip_tokens(clean_text(str(raw if isinstance(raw, str) else " ".join(raw)))).strip())
    effects: list[Effect] = []
    if masked:
        effects.append(say(event.actor, "intake.masked", ctx, event.place, n=masked))
    errors: dict[str, str] = {}
    if len(text) > TEXT_LIMIT or (name == "reason" and not text):
        errors[name] = t("form.err_too_long" if text else "form.err_required", ctx.lang, n=TEXT_LIMIT)
    kind = first(event.values, NA_KIND) if name == "reason" else ""  # absent: a client without the choice
    if kind and kind not in NA_KINDS:
        errors[NA_KIND], kind = t("form.err_choice", ctx.lang), ""
    if errors:  # shown back: a masked My Number is told as not saved yet
        told = [say(event.actor, "intake.masked_not_saved", ctx, event.place, n=masked)] if masked else []
        return inc, [*told, RejectForm(_form(event.form_id, item, ctx, text[:TEXT_LIMIT], event.context, errors))]
    if name == "reason":
        na = replace(item, state="na", reason=text, na_kind=kind, by=actor, at=ctx.now)  # type: ignore[arg-type]
        new, more = _changed(inc, na, ctx, "item.na", {"reason": text, "kind": kind})
    else:
        new, more = _changed(inc, replace(item, note=text), ctx, "item.note", {"note": text})
    return new, effects + more
