"""Who owns a checklist item: take it yourself, assign someone (a form whose choices are the chain's
members and the incident's responders), or give it back. Every change is audited and told in the
incident thread, naming whose the item was; the new owner is mentioned (so notified)."""

from __future__ import annotations

from dataclasses import replace

from bot.core.effects import Effect, OpenForm, Post, RejectForm
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.i18n import t
from bot.core.model import Incident, Item, UserRef
from bot.core.views import Form, Input, Option, name_of, person
from flows.cards import note
from flows.common import Ctx
from flows.forms import first

FORM, OWNER = "item_assign", "owner"
NOBODY = "-"  # the form's choice for "no owner"


def _value(u: UserRef) -> str:
    return f"{u.platform}:{u.key}"


def candidates(inc: Incident, ctx: Ctx) -> tuple[UserRef, ...]:
    """The people an item can be given to: the chain's members, then the responders (each once, by
    their configured names)."""
    seen: dict[tuple[str, str], UserRef] = {}
    for u in (*inc.escalation.members(), *inc.responders):
        seen.setdefault((u.platform, u.key), ctx.config.display(u))
    return tuple(seen.values())


def form(inc: Incident, item: Item, ctx: Ctx, chosen: str = "", errors: dict[str, str] | None = None) -> Form:
    lang = ctx.lang
    people = list(candidates(inc, ctx))
    if item.owner and not any(item.owner.same(u) for u in people):
        people.append(ctx.config.display(item.owner))
    opts = tuple(Option(_value(u), t("cardux.assign.person", lang, name=name_of(u))) for u in people)
    opts += (Option(NOBODY, t("cardux.assign.nobody", lang)),)
    initial = chosen or (_value(item.owner) if item.owner else "")
    owner = Input(OWNER, t("cardux.assign.label", lang), "select", True, opts, initial)
    title = t("cardux.assign.title", lang, item=item.id)
    return Form(FORM, title, t("form.save", lang), (owner,), context=f"{inc.id}|{item.id}", intro=item.text, errors=errors or {})


def open_form(inc: Incident, item: Item, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    return inc, [OpenForm(event.actor, event.trigger or "", form(inc, item, ctx), event.place)]


def _name(u: UserRef) -> str:
    return person(u)


def change(inc: Incident, item: Item, owner: UserRef | None, actor: UserRef) -> tuple[Item, Post, dict[str, object]] | None:
    """``item`` given to ``owner`` (None: given back) by ``actor``, the note that tells the thread (whose
    it was, when it was someone else's) and the audit detail; None when it is already so."""
    lang, before = inc.lang, item.owner
    if (owner is None and before is None) or (owner is not None and owner.same(before)):
        return None
    key = "unassigned" if owner is None else "took" if owner.same(actor) else "assigned"
    was = t("cardux.assign.was", lang, who=person(before)) if before and not before.same(actor) else ""
    text = t(f"cardux.assign.{key}", lang, actor=_name(actor), item=item.id, who=person(owner) if owner else "", was=was)
    detail: dict[str, object] = {"owner": owner.key if owner else "", "previous": before.key if before else ""}
    return replace(item, owner=owner), Post(note(text), thread_of="card"), detail


def chosen(inc: Incident, item: Item, event: FormSubmitted, ctx: Ctx) -> UserRef | None | RejectForm:
    """The person chosen on the form (None: nobody), or the form shown back when the choice is not one
    of its options (a stale form, or a forged value)."""
    value = first(event.values, OWNER)
    if value == NOBODY:
        return None
    people = {_value(u): u for u in candidates(inc, ctx)}
    if item.owner:
        people.setdefault(_value(item.owner), ctx.config.display(item.owner))
    if value not in people:
        return RejectForm(form(inc, item, ctx, errors={OWNER: t("form.err_choice", ctx.lang)}))
    return people[value]
