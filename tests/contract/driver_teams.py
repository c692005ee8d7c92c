"""Teams' contract driver: the real app with botbuilder's CloudAdapter at /api/messages on port 0,
with Bot Framework authentication ON (an app id is configured): every activity the driver posts
carries a JWT signed by a key published at a loopback OpenID endpoint, so botbuilder's own
validation runs. The "platform side" is the fake Bot Framework connector (the activities'
serviceUrl, port 0); what it recorded is what Teams received.

The one piece not run over loopback is the bot's own AAD token request (MSAL speaks https only): the
driver hands botbuilder's credentials a fixed token, and the fake connector insists on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp.test_utils import TestClient
from botframework.connector.auth import MicrosoftAppCredentials

from adapters.teams.render import DATE, ERROR, TIME
from bot.app import App
from bot.core.config import OrgConfig
from bot.core.i18n import catalogue
from bot.core.model import UserRef
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot, make_bot
from tests.adapters.teams.test_auth import APP_ID, OpenId
from tests.contract.drivers import HANDLES, Received, Submitted
from tests.support.jsontree import nodes

OUTBOUND_TOKEN = "bot-to-connector-token"
# Teams' note where a person acted in a channel, saying their answer went to their private chat: a
# Teams-only courtesy (tests/adapters/teams/test_teams_ux.py), not a message of the contract
POINTER = re.compile(
    "|".join(
        "^" + re.escape(catalogue(lang)[key]).replace(re.escape("{name}"), ".*") + "$"
        for lang in ("ja", "en")
        for key in ("teams.form_in_dm", "teams.reply_in_dm")
    )
)


def flatten(card: dict[str, Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Visible text and (action, value) of every button of an Adaptive Card."""
    parts: list[str] = []
    buttons: list[tuple[str, str]] = []

    for node in nodes([card.get("body") or [], card.get("actions") or []]):
        kind = node.get("type")
        if kind == "TextBlock":
            parts.append(str(node.get("text", "")))
        elif kind == "FactSet":
            parts.extend(f"{f['title']} {f['value']}" for f in node.get("facts", []))
        elif kind == "Action.Submit":
            parts.append(str(node.get("title", "")))
            data = node.get("data") or {}
            if "action" in data:
                buttons.append((str(data["action"]), str(data.get("value", ""))))
        elif kind and kind.startswith("Input."):
            parts.append(str(node.get("label", "")))
    return " ".join(parts).replace("<at>", "").replace("</at>", ""), tuple(buttons)


class TeamsDriver:
    platform = "teams"

    def mentioned(self, received: Received) -> set[str]:
        ids = _mentioned_ids(received)
        return {h for h in HANDLES if user_id(h) in ids}

    def __init__(self) -> None:
        self.app: App = None  # type: ignore[assignment]
        self.connector = fakes.FakeConnector()
        self.openid = OpenId()
        self.bot: Bot | None = None
        self.client: TestClient | None = None
        self._last: dict[str, Any] | None = None
        self._saved_token: Any = None

    # ---- life cycle ------------------------------------------------------------------------------
    async def start(self, db_url: str, config: OrgConfig, clock: Any) -> None:
        self.db_url, self.config, self.clock = db_url, config, clock
        self._saved_token = MicrosoftAppCredentials.get_access_token
        MicrosoftAppCredentials.get_access_token = lambda _self, force_refresh=False: OUTBOUND_TOKEN  # type: ignore[method-assign]
        self.connector.expect_auth = f"Bearer {OUTBOUND_TOKEN}"
        await self.connector.start()
        await self.openid.start()
        await self._boot()
        url = self.connector.url
        assert await self._post(fakes.added_to_team(url, self._account("responder"), fakes.in_channel())) == 201
        for handle in HANDLES:  # everyone installed the app (a personal chat with the bot)
            assert await self._post(fakes.installed(url, self._account(handle), self._personal(handle))) == 201
        self._last = None
        self.connector.calls.clear()  # the welcome messages of those installs: the contract starts after them

    async def _boot(self) -> None:
        env = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret", "MICROSOFT_APP_TENANT_ID": fakes.TENANT,
               "MICROSOFT_OPENID_METADATA_URL": self.openid.url + "openid"}  # fmt: skip
        self.bot, self.client = await make_bot(self.db_url, self.config, self.clock, self.connector, **env)
        self.app = self.bot.app

    async def restart(self) -> None:
        await self._shutdown()
        await self._boot()

    async def _shutdown(self) -> None:
        if self.client is not None:
            await self.client.close()
        if self.bot is not None:
            await self.bot.app.close()

    async def stop(self) -> None:
        await self._shutdown()
        await self.connector.close()
        if self.openid.server is not None:
            await self.openid.server.close()
        if self._saved_token is not None:
            MicrosoftAppCredentials.get_access_token = self._saved_token  # type: ignore[method-assign]

    # ---- people and places -----------------------------------------------------------------------
    def user(self, handle: str) -> UserRef:
        return UserRef("teams", user_id(handle), handle)

    def _account(self, handle: str) -> dict[str, str]:
        return {"id": user_id(handle), "name": handle.title()}  # no aadObjectId: keyed by id

    @staticmethod
    def _personal(handle: str) -> dict[str, Any]:
        return {"conversationType": "personal", "id": f"a:personal-{handle}"}

    def _handle_of(self, conversation: str) -> str | None:
        return next((h for h in HANDLES if conversation == f"a:personal-{h}"), None)

    # ---- inbound -----------------------------------------------------------------------------------
    async def _post(self, activity: dict[str, Any], token: str | None = "valid") -> int:
        assert self.bot is not None
        self._last = activity
        signed = self.openid.token(self.connector.url) if token == "valid" else token
        return await self.bot.post(activity, token=signed)

    async def send_command(self, handle: str, text: str) -> int:
        act = fakes.message(self.connector.url, self._account(handle), text, fakes.in_channel(), mention=True)
        return await self._post(act)

    def _sent(self) -> list[fakes.Call]:
        return [c for c in self.connector.calls if c.op in ("send", "reply") and c.card]

    def _conversation_of(self, ref: str) -> str:
        return next(c.conversation for c in self._sent() if c.result_id == ref)

    async def press(self, handle: str, action: str, value: str, message: str | None = None) -> int:
        if message is None:
            mine = f"a:personal-{handle}"
            candidates = [c for c in reversed(self._sent()) if (action, value) in flatten(self._now(c))[1]]
            hit = next((c for c in candidates if c.conversation == mine), None) or next(
                (c for c in candidates if c.conversation.startswith(self.config.channels["teams"])), None
            )
            assert hit is not None, f"{handle} has no ({action}, {value}) button to press"
            message = hit.result_id
        conv = self._conversation_of(message)
        conversation = (
            self._personal(handle) if conv.startswith("a:") else fakes.in_channel(conv.split(";messageid=")[1] if ";" in conv else None)
        )
        act = fakes.submit(self.connector.url, self._account(handle), {"action": action, "value": value}, conversation, message)
        return await self._post(act)

    def _now(self, call: fakes.Call) -> dict[str, Any]:
        """The card of a sent message as it stands now (after updates)."""
        ups = self.connector.by_id(call.result_id)
        return (ups[-1].card if ups else call.card) or {}

    async def submit_form(self, handle: str, form_id: str, values: Mapping[str, str | tuple[str, ...]], context: str = "") -> Submitted:
        forms = [c for c in self._sent() if c.conversation == f"a:personal-{handle}" and _form_data(self._now(c)).get("form") == form_id]
        forms = [c for c in forms if not context or _form_data(self._now(c)).get("context") == context]
        assert forms, f"no {form_id} form shown to {handle}"
        form = forms[-1]
        data = dict(_form_data(self._now(form)))
        for name, value in values.items():
            if name in data.get("mynaleak", {}).get("dt", []):
                date, _, clock = str(value).partition("T")
                data[name + DATE], data[name + TIME] = date, clock[:5]
            else:
                data[name] = ",".join(value) if isinstance(value, tuple) else value
        before = len(self.connector.by_id(form.result_id))
        act = fakes.submit(self.connector.url, self._account(handle), data, self._personal(handle), form.result_id)
        status = await self._post(act)
        shown = self.connector.by_id(form.result_id)[before:]
        errors: dict[str, str] = {}
        for el in nodes(shown[-1].card if shown else {}):
            if el.get("type") == "TextBlock" and str(el.get("id", "")).endswith(ERROR):
                errors[el["id"].removesuffix(ERROR)] = el["text"]
        return Submitted(status, errors)

    async def bad_request(self) -> int:
        act = fakes.message(self.connector.url, self._account("reporter"), "report", fakes.in_channel(), mention=True)
        from cryptography.hazmat.primitives.asymmetric import rsa

        forged = self.openid.token(self.connector.url, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
        return await self._post(act, token=forged)

    async def replay_last(self) -> int:
        assert self._last is not None
        return await self._post(json.loads(json.dumps(self._last)))

    async def settle(self) -> None:
        assert self.bot is not None
        await self.bot.app.runtime.drain()

    # ---- what Teams received ------------------------------------------------------------------------
    def received(self) -> list[Received]:
        out: list[Received] = []
        channel = self.config.channels["teams"]
        for c in self.connector.calls:
            if not c.card:
                continue
            text, buttons = flatten(c.card)
            base, _, root = c.conversation.partition(";messageid=")
            who = self._handle_of(c.conversation)
            if c.op == "update":
                out.append(Received("update", c.activity_id or "", who or base, text, None, buttons, raw=c.body))
            elif who is not None:
                form_id = _form_data(c.card).get("form")
                alert = bool(((c.body.get("channelData") or {}).get("notification") or {}).get("alert"))
                op = "form" if form_id else "dm" if alert else "private"
                out.append(Received(op, c.result_id, who, text, None, buttons, form_id=form_id, raw=c.body))  # type: ignore[arg-type]
            elif POINTER.match(text):
                continue
            elif base == channel or c.conversation.startswith(channel):
                out.append(Received("post", c.result_id, base, text, root or None, buttons, raw=c.body))
        return out


def _form_data(card: dict[str, Any]) -> dict[str, Any]:
    for action in card.get("actions") or []:
        data = action.get("data") or {}
        if isinstance(data, dict) and "form" in data:
            return data
    return {}


CHANNEL = "19:incidents@thread.tacv2"  # the incident channel's key


def _mentioned_ids(received: Received) -> set[str]:
    """The user ids a message mentions: its cards' mention entities, each with its ``<at>`` text in the card."""
    out = set()
    for a in received.raw.get("attachments") or []:
        card = a.get("content") or {}
        text = json.dumps(card.get("body") or [], ensure_ascii=False)
        for e in (card.get("msteams") or {}).get("entities") or []:
            if e.get("type") == "mention" and e.get("text") and e["text"] in text:
                out.add(str(e["mentioned"]["id"]))
    return out


def user_id(handle: str) -> str:
    """Teams user ids: 29: + the handle."""
    return "29:" + handle


DRIVER = TeamsDriver
