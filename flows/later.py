"""The cards a new incident's first messages carry, drawn when they are sent (``bot.core.views.Later``).

A report's transaction stores the incident, its page and the reporter's confirmation, and leaves the
card and the checklist's step cards to be drawn by whoever sends them — off the critical path of a
burst of reports — from the incident as it stands then: what someone did meanwhile (an
acknowledgement, a ticked item) is already on the card when it first appears, and the updates queued
by those events, which follow it, carry the same or a newer state."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.core.away import Away
from bot.core.config import OrgConfig
from bot.core.i18n import t
from bot.core.model import Incident
from bot.core.platform import DEFAULT_COMMAND
from bot.core.views import Card, Later
from flows.cards import incident_card, step_card
from flows.common import Ctx, labelled


def draw(later: Later, inc: Incident, now: datetime, config: OrgConfig, away: tuple[Away, ...] = (),
         commands: Mapping[str, str] | None = None, invites: Mapping[str, str] | None = None) -> Card:  # fmt: skip
    """The card ``later`` names, for ``inc`` at ``now`` (in the incident's language, as every shared view)."""
    commands = commands or {}
    ctx = Ctx(now, config, inc.lang, commands.get(inc.platform, DEFAULT_COMMAND), config.away + away, commands, invites or {})
    if later.what == "card":
        drawn = incident_card(inc, ctx)
    elif later.what.startswith("step:"):
        drawn = step_card(inc, int(later.what.removeprefix("step:")), ctx)
    else:
        raise ValueError(f"nothing to draw for {later.what!r}")
    return labelled(drawn, t("drill.label", inc.lang)) if inc.drill else drawn
