"""The App Home tab: when a person opens it (``app_home_opened``, tab ``home``) the bot runs
``/mynaleak list`` for them — through the flow, so they see exactly what the command would show them
(the escalation chain and staff: the open incidents, drills left out; anyone else: the refusal that
explains who may list) — and publishes the answer with ``views.publish`` above the commands as a
person types them (the help text). Refreshed on every opening; nothing of it is kept."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from adapters.slack import render
from adapters.slack.inbound import PLATFORM, Who, tolerant
from bot.core.events import CommandInvoked
from bot.core.i18n import t
from bot.core.model import PlaceRef, UserRef
from bot.core.views import Card

PLACE = "app_home"  # the PlaceRef key of an answer meant for the person's App Home (not a channel id)
HOME_BLOCKS = 100


class Publishing(Protocol):
    """What publishing needs of the SlackAdapter (named structurally: adapter.py imports this module)."""

    tz: ZoneInfo
    command: str

    async def call(self, method: str, **args: Any) -> dict[str, Any]: ...

    def lang_of(self, user_id: str) -> str: ...


@tolerant
def opened(body: Mapping[str, Any], who: Who) -> CommandInvoked | None:
    """``app_home_opened`` on the Home tab → ``list`` for that person (the Messages tab: nothing)."""
    ev = body["event"]
    user = ev.get("user")
    if ev.get("tab") != "home" or not isinstance(user, str) or not user:
        return None
    event_id = body.get("event_id")
    return CommandInvoked(
        actor=UserRef(PLATFORM, user, who.name),
        place=PlaceRef(PLATFORM, PLACE),
        text="list",
        dedup=f"slack:home:{event_id}" if isinstance(event_id, str) and event_id else None,
        lang=who.lang,
    )


def view(card: Card, lang: str, command: str, now: datetime) -> dict[str, Any]:
    """The Home tab: the answer to ``list``, the commands, and when it was drawn."""
    head: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": t("slackux.home_incidents", lang)}}]
    body, _ = render.message(card, lang)
    helps = [
        {"type": "section", "text": {"type": "mrkdwn", "text": c}}
        for c in render.split_text(render.mrkdwn(t("help.text", lang, cmd=command)))
    ]
    commands = [{"type": "divider"}, {"type": "header", "text": {"type": "plain_text", "text": t("slackux.home_commands", lang)}}]
    when = {"type": "context", "elements": [{"type": "mrkdwn", "text": t("slackux.home_updated", lang, at=now.strftime("%Y-%m-%d %H:%M"))}]}
    tail = commands + helps + [when]
    return {"type": "home", "blocks": head + body[: HOME_BLOCKS - len(head) - len(tail)] + tail}


async def publish(adapter: Publishing, user: UserRef, card: Card) -> None:
    """Publish the person's Home tab (a DeliveryError goes to the outbox, which retries or gives up)."""
    lang = adapter.lang_of(user.key)
    home = view(card, lang, adapter.command, datetime.now(adapter.tz))
    await adapter.call("views.publish", user_id=user.key, view=home)
