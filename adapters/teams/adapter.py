"""Microsoft Teams: botbuilder's ``CloudAdapter`` at ``/api/messages`` on the shared aiohttp app.

Inbound: the activity is authenticated by botbuilder (a Bot Framework JWT whenever an app id is
set; 401 and nothing stored otherwise), the conversation references of the person and the place are
stored, the activity is translated (``inbound``) and dispatched. Outbound: every message is
proactive, from a stored conversation reference (``continue_conversation``), so any replica can
send it, after any restart. Failures become ``DeliveryError``; the outbox retries.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, Attachment, ChannelAccount, ConversationAccount, ConversationParameters, ConversationReference
from msrest.exceptions import DeserializationError

from adapters.teams import inbound, legal, render
from adapters.teams.connector import Authentication, BotConfig, delivery_error
from bot.core.events import FormSubmitted
from bot.core.http import is_loopback
from bot.core.i18n import t
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.platform import DeliveryError, Host, PlatformRefused, Unavailable
from bot.core.views import MENTION_RE, Card, Form, person

log = logging.getLogger("mynaleak.teams")
CHANNEL_ID = "msteams"
_CACHE_MAX = 20_000
WELCOME_ONCE = timedelta(minutes=10)  # one install is announced twice; a later reinstall is welcomed again
POINTER_ONCE = timedelta(minutes=1)  # a command that answers twice says "answered in your private chat" once
# The activity exactly as posted: botbuilder's models lose fields Teams sends (``conversation.tenantId``
# is mapped as ``tenantID``), so the translators and the stored references read the raw JSON.
_RAW: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("teams_raw_activity", default=None)


def _msg_key(conversation: str, activity_id: str, service_url: str, thread: str | None = None) -> str:
    key = {"conversation": conversation, "activity_id": activity_id, "service_url": service_url}
    if thread:
        key["thread"] = thread
    return json.dumps(key, separators=(",", ":"))


class TeamsAdapter:
    platform = "teams"

    def __init__(self, host: Host, config: BotConfig):
        self.host = host
        self.config = config
        self.app_id = config.APP_ID or None
        self.auth = Authentication(config)
        self.cloud = CloudAdapter(self.auth)
        self._seen: dict[str, str] = {}  # key -> JSON of what this process stored, to skip rewrites
        self._refs: dict[str, dict[str, Any]] = {}  # key -> the stored reference (read-through)

    async def close(self) -> None:
        """Close the HTTP session shared by every connector call (the app calls this at shutdown)."""
        await self.auth.close()

    # ---- inbound --------------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json() if request.content_type == "application/json" else None
            if request.content_type == "application/json" and not isinstance(body, dict):  # `null`, a list, a number …
                log.warning("teams: unreadable activity: %s", type(body).__name__)
                return web.json_response({"error": "unreadable activity"}, status=400)
            _RAW.set(body if isinstance(body, dict) else None)
            response = await self.cloud.process(request, self)
        except (json.JSONDecodeError, DeserializationError, UnicodeDecodeError) as exc:
            log.warning("teams: unreadable activity: %s", type(exc).__name__)
            return web.json_response({"error": "unreadable activity"}, status=400)
        if response is not None and response.status == 200 and isinstance(body, dict) and body.get("type") == "invoke":
            return web.Response(status=200)  # an invoke we do not handle (on_turn): 200 with nothing, not JSON null
        return response or web.Response(status=201)

    async def on_turn(self, ctx: TurnContext) -> None:
        raw = _RAW.get()
        activity: dict[str, Any] = raw if raw is not None and raw.get("id") == ctx.activity.id else ctx.activity.serialize()
        if activity.get("type") == "invoke":  # none is handled (forms are cards in chat): answer 200, say so in the log
            log.info("teams: invoke not handled", extra={"invoke": str(activity.get("name") or "")[:80]})
            await ctx.send_activity(Activity(type="invokeResponse", value=InvokeResponse(status=200)))
            return
        try:
            await self._remember(activity)
            if inbound.welcome(activity):
                await self._welcome(ctx, activity)
            event = inbound.translate(activity)
        except inbound.BadActivity as exc:
            log.warning("teams: activity refused: %s", exc, extra={"activity_type": activity.get("type")})
            if inbound.is_submit(activity):
                await self._say(ctx, t("teams.bad_submit", inbound.lang(activity) or self.host.config.language))
            return
        if event is None:
            return
        try:
            outcome = await self.host.dispatch(event)
        except Unavailable:
            await self._say(ctx, t("teams.try_again", event.lang or self.host.config.language))
            return
        if isinstance(event, FormSubmitted) and not outcome.duplicate:
            await self._after_submit(ctx, activity, outcome.form, event.lang or self.host.config.language)

    async def _after_submit(self, ctx: TurnContext, activity: dict[str, Any], rejected: Form | None, lang: str) -> None:
        """Show a rejected form again with its errors, or close the submitted one (in place)."""
        if rejected is not None:
            content = render.form(rejected, lang)
        elif (activity.get("value") or {}).get("form"):
            info = (activity.get("value") or {}).get(render.META)
            title = str(info.get("title") or "")[:200] if isinstance(info, dict) else ""
            text = t("teams.form_sent_text", lang, title=title) if title else t("teams.form_sent_untitled", lang)
            content = render.done(t("teams.form_sent_title", lang), text)
        else:
            return
        reply = Activity(type="message", summary=t("teams.form_sent_title", lang) if rejected is None else rejected.title[:80],
                         attachments=[Attachment(content_type=render.CONTENT_TYPE, content=content)])  # fmt: skip
        try:
            if activity.get("replyToId"):
                reply.id = activity["replyToId"]
                await ctx.update_activity(reply)
            elif rejected is not None:
                await ctx.send_activity(reply)
        except Exception as exc:  # the submission is already handled; showing it back is best effort
            log.warning("teams: could not update the form card: %s", delivery_error(exc, "update form"))

    async def _say(self, ctx: TurnContext, text: str, view: Card | None = None, lang: str | None = None) -> None:
        view = view or Card(title="", tone="warning", text=text)
        lang = lang or self.host.config.language
        card = render.card(view, lang)
        reply = Activity(
            type="message", summary=summary(view, lang), attachments=[Attachment(content_type=render.CONTENT_TYPE, content=card)]
        )
        try:
            await ctx.send_activity(reply)
        except Exception as exc:
            log.warning("teams: could not answer: %s", delivery_error(exc, "reply"))

    async def _welcome(self, ctx: TurnContext, activity: dict[str, Any]) -> None:
        """The bot was added to a personal chat, a team or a group chat: say what it does and how."""
        cid = inbound.base_conversation(inbound.conversation_id(activity))
        # Teams announces one install twice (conversationUpdate, installationUpdate), maybe to two replicas
        if not await self._once(f"teams:welcome:{cid}", WELCOME_ONCE):
            return
        lang = inbound.lang(activity) or self.host.config.language
        personal = inbound.conversation_type(activity) == "personal"
        view = Card(title=t("teams.welcome_title", lang), tone="info",
                    text=t("teams.welcome_personal" if personal else "teams.welcome_team", lang) + "\n\n" + t("help.text", lang, cmd=""))  # fmt: skip
        log.info("teams: installed", extra={"conversation_type": inbound.conversation_type(activity)})
        await self._say(ctx, "", view, lang)

    async def _remember(self, activity: dict[str, Any]) -> None:
        """Store how to reach this conversation and this person proactively later."""
        if inbound.installation(activity) == "remove" or activity.get("type") not in (
            "message",
            "conversationUpdate",
            "installationUpdate",
        ):
            return
        kind = inbound.conversation_type(activity)
        cid = inbound.conversation_id(activity)
        conversation = {
            k: v for k, v in (activity.get("conversation") or {}).items() if k in ("id", "conversationType", "tenantId", "isGroup", "name")
        }
        conversation["id"] = inbound.base_conversation(cid)
        conversation.setdefault("tenantId", inbound.tenant(activity))
        place_ref = {
            "user": _account(activity.get("from")),
            "bot": _account(activity.get("recipient")),
            "conversation": {k: v for k, v in conversation.items() if v is not None},
            "channelId": activity.get("channelId") or CHANNEL_ID,
            "serviceUrl": activity.get("serviceUrl"),
        }
        await self._save(inbound.base_conversation(cid), {"kind": kind, "reference": place_ref})
        if activity.get("from") and (activity.get("from") or {}).get("id") != (activity.get("recipient") or {}).get("id"):
            user = inbound.user_key(activity.get("from"))
            value: dict[str, Any] = {"kind": "personal" if kind == "personal" else "member", "reference": place_ref}
            if lang := inbound.lang(activity):  # their client's language: private answers use it (``lang_of``)
                value["lang"] = lang
            await self._save(user, value)

    async def _save(self, key: str, value: dict[str, Any]) -> None:
        blob = json.dumps(value, sort_keys=True)
        if self._seen.get(key) == blob:  # this process already stored (or deliberately kept) it
            return
        if value["kind"] == "member":  # never replace a way to DM the person by a mere sighting
            stored = await self._load(key)
            if stored and stored.get("kind") == "personal":
                if not value.get("lang") or stored.get("lang") == value["lang"]:
                    self._keep(self._seen, key, blob)
                    return
                value = dict(stored, lang=value["lang"])  # only learn their language
        await self.host.references.save(self.platform, key, value, self.host.clock())
        self._keep(self._seen, key, blob)
        self._keep(self._refs, key, value)

    async def _load(self, key: str) -> dict[str, Any] | None:
        """A stored reference, from this process's copy when it has one (references change rarely;
        a stale one is refreshed the next time the person or place is seen)."""
        if key in self._refs:
            return json.loads(json.dumps(self._refs[key]))
        stored = await self.host.references.load(self.platform, key)
        if stored is not None:
            self._keep(self._refs, key, stored)
        return stored

    @staticmethod
    def _keep(cache: dict[str, Any], key: str, value: Any) -> None:
        if len(cache) > _CACHE_MAX:
            cache.clear()
        cache[key] = value

    # ---- outbound: the adapter contract ---------------------------------------------------------
    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        ref = await self._dm(user)
        content = self._render(view)
        return await self._send(ref, ref["conversation"]["id"], content, summary(view, self.host.config.language), "notify", alert=True)

    async def post(self, place: PlaceRef, view: Card, thread: MessageRef | None = None) -> MessageRef:
        content = self._render(view)
        if thread is not None:
            key = json.loads(thread.key)
            conv = key.get("thread") or key["conversation"]
            ref = self._bare_ref(conv, key["service_url"])
            return await self._send(ref, conv, content, summary(view, self.host.config.language), "thread reply")
        stored = await self._load(inbound.base_conversation(place.key))
        if stored is None:  # the app was never added to the channel's team: the same fix as when it was removed
            raise DeliveryError(t("teams.no_channel", self.host.config.language), permanent=True, blocked=True)
        return await self._send(stored["reference"], place.key, content, summary(view, self.host.config.language), "post",
                                channel=stored.get("kind") == "channel")  # fmt: skip

    async def link(self, message: MessageRef) -> str | None:
        """A Teams deep link to a channel message (``/l/message/<channel id>/<message id>``; a reply
        names its thread's root as ``parentMessageId``). Messages in personal chats have none."""
        try:
            key = json.loads(message.key)
        except ValueError:
            return None
        conversation, _, root = str(key.get("conversation") or "").partition(";messageid=")
        activity_id = str(key.get("activity_id") or "")
        if not conversation.startswith("19:") or not activity_id:
            return None
        query = urlencode({"parentMessageId": root or activity_id})
        return f"https://teams.microsoft.com/l/message/{quote(conversation, safe='')}/{quote(activity_id, safe='')}?{query}"

    async def update(self, message: MessageRef, view: Card) -> None:
        key = json.loads(message.key)
        content = self._render(view)
        activity = Activity(type="message", id=key["activity_id"], summary=summary(view, self.host.config.language),
                            attachments=[Attachment(content_type=render.CONTENT_TYPE, content=content)])  # fmt: skip

        async def op(client: Any, conv: ConversationAccount) -> None:
            activity.conversation = conv
            await client.conversations.update_activity(conv.id, key["activity_id"], activity)

        # a message in a channel or group chat (19:…): refused there when the app was removed from the team
        await self._with_client(self._bare_ref(key["conversation"], key["service_url"]), op, "update",
                                channel=str(key["conversation"]).startswith("19:"))  # fmt: skip

    async def reply(self, user: UserRef, place: PlaceRef | None, view: Card) -> None:
        lang = await self.lang_of(user)
        await self._private(user, place, self._render(view, lang), summary(view, lang), "reply")

    async def open_form(self, user: UserRef, trigger: str, form: Form, place: PlaceRef | None) -> None:
        lang = await self.lang_of(user)
        await self._private(user, place, render.form(form, lang), form.title[:80] or t("teams.summary", lang), "form")

    async def lang_of(self, user: UserRef) -> str:
        """The person's language for what is said to them alone (their Teams client's locale, as their
        last activity said, stored with their conversation reference), else the organisation's. Like
        Slack's: the flows write their private answers in it; this is for the adapter's own words."""
        stored = await self._load(user.key)
        lang = (stored or {}).get("lang")
        return lang if lang in ("ja", "en") else self.host.config.language

    # ---- helpers --------------------------------------------------------------------------------
    def _render(self, view: Card, lang: str | None = None) -> dict[str, Any]:
        """The card for ``view``, with download links for its files where the bot offers them."""
        links = {a.name: url for a in view.attachments if (url := self.host.download_url(a.name))}
        return render.card(view, lang or self.host.config.language, links)

    async def _private(self, user: UserRef, place: PlaceRef | None, content: dict[str, Any], summary: str, what: str) -> None:
        """Teams has no ephemeral messages: in the person's own chat if they spoke there, else a DM,
        else (they never installed the app) where they spoke."""
        stored = await self._load(inbound.base_conversation(place.key)) if place else None
        if place is not None and stored is not None and stored.get("kind") == "personal":
            await self._send(stored["reference"], place.key, content, summary, what)
            return
        try:
            ref = await self._dm(user)
        except DeliveryError as exc:
            if not exc.permanent or place is None or stored is None:
                raise
            await self._send(stored["reference"], place.key, content, summary, what)
            return
        await self._send(ref, ref["conversation"]["id"], content, summary, what)
        if place is not None and stored is not None:  # acted in a channel or group chat: say where the answer went
            await self._pointer(user, place, stored["reference"], what)

    async def _pointer(self, user: UserRef, place: PlaceRef, reference: dict[str, Any], what: str) -> None:
        """A short note where the person acted, saying their answer is in their private chat (once a
        minute per person and place: a command that answers twice says it once)."""
        if not await self._once(f"teams:pointer:{inbound.base_conversation(place.key)}:{user.key}", POINTER_ONCE):
            return
        lang = await self.lang_of(user)  # said to them, where they acted
        text = t("teams.form_in_dm" if what == "form" else "teams.reply_in_dm", lang, name=person(self.host.config.display(user)))
        view = Card(title="", tone="muted", text=text)
        try:
            await self._send(reference, place.key, render.card(view, lang), summary(view, lang), "pointer")
        except DeliveryError as exc:  # the answer itself was delivered; the pointer is a courtesy
            log.warning("teams: could not say where the answer went: %s", exc)

    async def _once(self, key: str, within: timedelta) -> bool:
        """Said once in ``within`` by every replica together (a durable row, ``Host.once``); with the
        database down, said anyway: a courtesy twice is better than none."""
        try:
            return await self.host.once(key, within)
        except Unavailable:
            log.warning("teams: could not record a courtesy message; sending it anyway", extra={"what": key.split(":")[1]})
            return True

    async def _dm(self, user: UserRef) -> dict[str, Any]:
        """The reference of ``user``'s personal chat with the bot, creating it when we only saw them
        in a team. No reference at all: they never installed the app → a permanent failure."""
        name = user.name or (p.name if (p := self.host.config.person(user)) else user.key)
        lang = self.host.config.language
        stored = await self._load(user.key)
        if stored is None:
            raise DeliveryError(t("teams.not_installed", lang, name=name), permanent=True)
        if stored.get("kind") == "personal":
            return stored["reference"]
        member = stored["reference"]
        tenant = (member.get("conversation") or {}).get("tenantId")
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount().deserialize(member.get("bot") or {}),
            members=[ChannelAccount().deserialize(member.get("user") or {})],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}} if tenant else None,
        )
        created: dict[str, Any] = {}

        async def got(ctx: TurnContext) -> None:
            created["id"] = ctx.activity.conversation.id

        try:
            await self.cloud.create_conversation(self.app_id, got, params, CHANNEL_ID, member.get("serviceUrl"))
        except Exception as exc:
            raise delivery_error(exc, "create chat", gone=t("teams.blocked", lang, name=name)) from exc
        ref = dict(member, conversation={"id": created["id"], "conversationType": "personal", "tenantId": tenant})
        await self._save(user.key, {"kind": "personal", "reference": ref, **({"lang": stored["lang"]} if stored.get("lang") else {})})
        return ref

    def _bare_ref(self, conversation: str, service_url: str) -> dict[str, Any]:
        bot = {"id": f"28:{self.app_id}" if self.app_id else "28:mynaleak"}
        return {"bot": bot, "conversation": {"id": conversation}, "channelId": CHANNEL_ID, "serviceUrl": service_url}

    async def _send(self, ref: dict[str, Any], conversation: str, content: dict[str, Any], summary: str, what: str,
                    channel: bool = False, alert: bool = False) -> MessageRef:  # fmt: skip
        """Send a card; ``alert``: also raise a notification in the person's activity feed (pages)."""
        activity = Activity(type="message", summary=summary[:80] or t("teams.summary", self.host.config.language),
                            attachments=[Attachment(content_type=render.CONTENT_TYPE, content=content)],
                            channel_data={"notification": {"alert": True}} if alert else None)  # fmt: skip
        sent: dict[str, str] = {}

        async def op(client: Any, conv: ConversationAccount) -> None:
            activity.conversation = conv
            activity.from_property = ChannelAccount().deserialize(ref.get("bot") or {})
            response = await client.conversations.send_to_conversation(conv.id, activity)
            sent["id"] = getattr(response, "id", None) or ""

        target = dict(ref, conversation=dict(ref.get("conversation") or {}, id=conversation))
        await self._with_client(target, op, what, channel=what in ("post", "thread reply"))
        if not sent.get("id"):
            raise DeliveryError(f"{what}: the connector returned no message id")
        thread = f"{conversation};messageid={sent['id']}" if channel and ";messageid=" not in conversation else conversation
        return MessageRef(self.platform, _msg_key(conversation, sent["id"], ref.get("serviceUrl") or "", thread))

    async def _with_client(self, ref: dict[str, Any], op: Any, what: str, channel: bool = False) -> None:
        """Run ``op(connector_client, conversation)`` in a proactive turn for ``ref`` (``channel``: in the
        incident channel, where 403/404 means the app is no longer in the team: ``blocked``)."""
        reference = ConversationReference().deserialize(replace_none(ref))
        if not reference.service_url:
            raise DeliveryError(f"{what}: no service URL stored for this conversation", permanent=True)
        failure: list[BaseException] = []

        async def callback(ctx: TurnContext) -> None:
            client = ctx.turn_state.get(self.cloud.BOT_CONNECTOR_CLIENT_KEY)
            try:
                await op(client, reference.conversation)
            except Exception as exc:  # keep it from botbuilder's turn error handling
                failure.append(exc)

        try:
            await self.cloud.continue_conversation(reference, callback, self.app_id)
        except Exception as exc:
            raise delivery_error(exc, what, channel=channel) from exc
        if failure:
            raise delivery_error(failure[0], what, channel=channel) from failure[0]


def summary(view: Card, lang: str) -> str:
    """The notification preview of a message: its title (incident ids and headings, never what a
    person typed), else a neutral line — never the text, which may name people or quote a report."""
    title = " ".join(MENTION_RE.sub(lambda m: m.group(3) or "", view.title).split())
    return title[:80] or t("teams.summary", lang)


def replace_none(ref: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ref.items() if v is not None}


def _account(raw: Any) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    return {k: str(raw[k]) for k in ("id", "name", "aadObjectId") if raw.get(k)}


def install(host: Host) -> TeamsAdapter:
    """Mount ``/api/messages`` and return the Teams adapter (``adapters.teams.PLATFORM`` calls this)."""
    config = BotConfig.from_env(host.env)
    if not config.APP_ID and not is_loopback(host.bind_host) and host.env.get("MYNALEAK_ALLOW_INSECURE") != "1":
        # emulator mode authenticates nobody and replies to any serviceUrl: never on a reachable address
        raise PlatformRefused(t("teams.insecure_bind", host.config.language, host=host.bind_host))
    if not config.APP_ID:
        log.warning(
            "TEAMS IS IN LOCAL EMULATOR MODE: MICROSOFT_APP_ID is not set, so requests to /api/messages are NOT "
            "authenticated and replies go to whatever serviceUrl they name. Use this only on a local machine; "
            "set MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and MICROSOFT_APP_TENANT_ID for real Teams."
        )
    else:
        log.info("teams: Bot Framework authentication on", extra={"app_type": config.APP_TYPE})
    adapter = TeamsAdapter(host, config)
    host.web.router.add_post("/api/messages", adapter.handle)
    legal.mount(host.web.router, host.config)  # the manifest's developer links: /about, /privacy, /terms
    return adapter


__all__ = ["TeamsAdapter", "install"]
