"""From an incident's record (:class:`bot.core.model.Facts`) to the assessment engine's facts.

What the report form and the facts form recorded is carried over; anything not yet known stays
"unknown", which the engine treats as a possibility (おそれ). Pure: the day of knowing is the discovery date in the
organisation's time zone (the creation date when no discovery time was recorded).
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import cast

from bot.core.config import OrgConfig
from bot.core.model import Incident, Tri
from flows.assessment import Facts

__all__ = ["facts_for_assessment", "known_on"]


def known_on(incident: Incident, tz: tzinfo) -> date:
    """The day the organisation knew: the discovery date in ``tz`` (else the day it was reported)."""
    when = incident.facts.discovered_at or incident.created_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.astimezone(tz).date()


def facts_for_assessment(incident: Incident, config: OrgConfig) -> Facts:
    """The engine's :class:`~flows.assessment.Facts` for ``incident`` (unasked facts are unknown)."""
    f = incident.facts
    people = f.people if _count(f.people) else None
    people_max = f.people_max if _count(f.people_max) else None
    if people is not None and people_max is not None and people_max < people:
        people_max = None  # inconsistent record: keep the firm count, drop the bound
    return Facts(
        known_on=known_on(incident, config.tz),
        people=people,
        people_max=people_max,
        encrypted=_tri(f.encrypted),
        exposed_online=_tri(f.exposed_online),
        wrongful_purpose=_tri(f.wrongful_purpose),
        government_system=_tri(f.government_system),
        misuse_art9=_tri(f.misuse_art9),
        provision_art19=_tri(f.provision_art19),
        sensitive_data=_tri(f.sensitive_data),
        financial_harm=_tri(f.financial_harm),
    )


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _tri(value: str) -> Tri:
    return cast(Tri, value) if value in ("yes", "no", "unknown") else "unknown"
