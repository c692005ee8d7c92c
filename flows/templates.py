"""Checklist templates by cause: which template an incident uses, and switching it on the card.

The leaflet's USB example (flows/checklist/default.yaml, or the organisation's own ``checklist:``) is
the default. The bundled templates for the commonest causes — e-mail or post sent to the wrong
person, unauthorised access / ransomware, an insider taking data, paper documents lost
(``bot.core.config.CAUSE_TEMPLATES``) — each have the leaflet's six steps (the steps a template does
not list are the default's) and the default's item ids, so an item feeds the same report sections
and keeps its role (``report_submission`` on 6.2). The report's cause and medium pick the template;
responders can switch it on the card. The incident records its template in ``extra["checklist"]``.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core.config import OrgConfig, StepTemplate
from bot.core.model import Facts, Incident, Item

DEFAULT = "default"
KEY = "checklist"  # Incident.extra key
_BY_CAUSE = {"misdirected": "misdirected", "unauthorised_access": "unauthorised_access", "insider": "insider"}
_BY_MEDIUM = {"email": "misdirected", "server": "unauthorised_access", "paper": "paper_loss"}  # cause not given


def names(config: OrgConfig) -> tuple[str, ...]:
    """The templates this organisation offers: the default first."""
    return (DEFAULT, *config.templates)


def pick(facts: Facts, config: OrgConfig) -> str:
    """The template for a report: by its cause, else by its medium; the default otherwise (a lost USB
    stick or PC is the leaflet's own example)."""
    if facts.cause in _BY_CAUSE:
        name = _BY_CAUSE[facts.cause]
    elif facts.cause == "lost":
        name = "paper_loss" if facts.medium == "paper" else DEFAULT
    elif facts.cause in ("unknown", "other"):
        name = _BY_MEDIUM.get(facts.medium, DEFAULT)
    else:
        name = DEFAULT
    return name if name in config.templates else DEFAULT


def current(inc: Incident) -> str:
    return inc.extra.get(KEY, DEFAULT)


def steps(name: str, config: OrgConfig) -> tuple[StepTemplate, ...]:
    return config.templates.get(name, config.checklist)


def steps_for(inc: Incident, config: OrgConfig) -> tuple[StepTemplate, ...]:
    """The steps of the incident's template (the default when it names one no longer offered)."""
    return steps(current(inc), config)


def items(name: str, config: OrgConfig, lang: str) -> tuple[Item, ...]:
    """A fresh checklist from template ``name``, in ``lang``."""
    return tuple(
        Item(it.id, st.step, it.text.get(lang, it.text["ja"]), it.required, role=it.role) for st in steps(name, config) for it in st.items
    )


def switch(inc: Incident, name: str, config: OrgConfig) -> tuple[Incident, tuple[str, ...]]:
    """``inc`` on template ``name``: items already done or not applicable stay exactly as they are
    (what was done is not rewritten); an open item the new template also has keeps its owner and
    note under the new text; other open items give way to the new template's. Returns the incident
    and the ids of the ticked items kept."""
    old = {i.id: i for i in inc.items}
    fresh = items(name, config, inc.lang)
    ticked = {i.id: i for i in inc.items if i.state != "open"}
    merged: list[Item] = []
    for item in fresh:
        before = old.get(item.id)
        if item.id in ticked:
            merged.append(ticked[item.id])
        elif before is not None:
            merged.append(replace(item, owner=before.owner, note=before.note))
        else:
            merged.append(item)
    new_ids = {i.id for i in fresh}
    merged += [i for i in ticked.values() if i.id not in new_ids]  # done work under the old template stays
    merged.sort(key=lambda i: i.step)  # stable: template order within a step, kept extras last
    extra = {k: v for k, v in inc.extra.items() if k != KEY} | ({} if name == DEFAULT else {KEY: name})
    return replace(inc, items=tuple(merged), extra=extra), tuple(sorted(ticked))
