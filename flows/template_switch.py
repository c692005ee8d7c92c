"""Switching an incident's checklist template on the card (flows.templates): a button opens a form
with the templates offered; the choice replaces the open items and keeps every ticked one."""

from __future__ import annotations

from bot.core.effects import Audit, Effect, OpenForm, Post, RejectForm, Update
from bot.core.events import ButtonPressed, FormSubmitted
from bot.core.i18n import t
from bot.core.model import Incident
from bot.core.views import Form, Input, Option, person
from flows import reminders, templates
from flows.cards import incident_card, note, step_card
from flows.common import Ctx, guard, say
from flows.forms import first

ACTION = "checklist:switch"
FORM_ID = "checklist_template"
FIELD = "template"


def form(inc: Incident, ctx: Ctx, errors: dict[str, str] | None = None) -> Form:
    lang = ctx.lang
    options = tuple(Option(name, t(f"checklist.template.{name}", lang)) for name in templates.names(ctx.config))
    choice = Input(FIELD, t("checklist.template_label", lang), "select", True, options, templates.current(inc))
    intro = t("checklist.template_intro", lang)
    return Form(FORM_ID, t("checklist.template_title", lang, id=inc.id), t("form.save", lang), (choice,), inc.id, intro, errors or {})


def open_form(inc: Incident, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    return inc, [OpenForm(event.actor, event.trigger or "", form(inc, ctx), event.place)]


def submit(inc: Incident, event: FormSubmitted, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    if (refusal := guard(inc, event, ctx)) is not None:
        return inc, list(refusal)
    name = first(event.values, FIELD)
    if name not in templates.names(ctx.config):
        return inc, [RejectForm(form(inc, ctx, {FIELD: t("form.err_choice", ctx.lang)}))]
    was = templates.current(inc)
    if name == was:
        return inc, [say(event.actor, "law.unchanged", ctx, event.place)]
    new, kept = templates.switch(inc, name, ctx.config)
    lang, actor = inc.lang, ctx.config.display(event.actor)
    label = t(f"checklist.template.{name}", lang)
    text = t("checklist.switched", lang, name=person(actor), template=label, kept=len(kept))
    effects: list[Effect] = [Update(f"step:{st.step}", step_card(new, st.step, ctx)) for st in templates.steps_for(new, ctx.config)]
    effects += [
        Update("card", incident_card(new, ctx)),
        Post(note(text, "info"), thread_of="card"),
        Audit("checklist.switched", {"from": was, "to": name, "kept": list(kept)}),
    ]
    return new, effects + reminders.ensure(new, ctx)
