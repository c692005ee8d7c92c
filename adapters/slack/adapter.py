"""Slack I/O: the adapter contract over the Web API, and the Bolt app that receives Slack's requests.

HTTP mode: Bolt (``slack_bolt.async_app.AsyncApp``) behind POST /slack/events on the shared aiohttp
server; Bolt verifies the signature and the 5-minute timestamp window (401 otherwise, nothing stored).
Socket Mode when SLACK_APP_TOKEN is set (no public URL needed). Listeners ack first and act after;
a modal submission is decided before its ack (within a time budget) so a rejected form stays open with
its errors. Web API failures become :class:`DeliveryError` so the outbox owns retries: 429 →
``retry_after`` from Retry-After; 5xx, timeouts and connection errors → transient; errors that can
never work (channel_not_found, user_not_found, …) → permanent; a channel post or update refused
because the bot is not in the channel (or it is archived) → ``blocked`` (kept and retried slowly).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import home, inbound, render, shortcuts
from adapters.slack.inbound import Who
from adapters.slack.webapi import SlackError, WebApi, retry_after
from bot.core.i18n import t
from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.platform import DeliveryError, Host
from bot.core.views import Card, Form

if TYPE_CHECKING:
    from slack_bolt.async_app import AsyncApp


log = logging.getLogger("mynaleak.slack")
DEFAULT_API_URL = "https://slack.com/api/"
# the bot may not post in this channel: it works again once someone invites it (or unarchives the channel)
BLOCKED = frozenset({"not_in_channel", "channel_not_found", "is_archived", "channel_is_archived"})
CALL_TIMEOUT = 10.0
NAME_TTL = 3600.0
WORKERS = 8  # events acted on at once after their acks; the rest queue, so acks stay fast under bursts
VIEW_ACK_BUDGET = 2.0  # a modal submission is decided within this, then acked (Slack allows 3 s)


@contextlib.contextmanager
def _channel_refusal(channel: str) -> Iterator[None]:
    """A post or update in a channel (not a DM: ids of DMs start with D) refused because the bot is not
    in it, or it is archived, is ``blocked``: it works again once someone invites the bot."""
    try:
        yield
    except SlackError as exc:
        if exc.code not in BLOCKED or channel.startswith("D"):
            raise
        raise SlackError(str(exc), exc.code, blocked=True) from None


class SlackAdapter:
    """The adapter contract for Slack. MessageRef keys are JSON ``{"channel", "ts"}``; PlaceRef keys
    are channel ids."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, tz: ZoneInfo, lang: str = "ja"):
        self.client = client
        self.api = WebApi(client)
        self.tz = tz
        self.lang = lang
        self._dm: dict[str, str] = {}
        self._names: dict[str, tuple[float, Who]] = {}
        self._lookups: dict[str, asyncio.Task[Who]] = {}
        self.timeout = CALL_TIMEOUT
        self.command = "/mynaleak "  # as a person types it (help on the App Home); set by build_bolt
        self.inflight: set[asyncio.Task[Any]] = set()  # listeners still working after their ack
        self.work = asyncio.Semaphore(WORKERS)
        self.bolt: AsyncApp | None = None  # set by install
        self.socket: SocketMode | None = None  # Socket Mode, when SLACK_APP_TOKEN is set

    # ---- the Web API -----------------------------------------------------------------------------
    async def call(self, method: str, **args: Any) -> dict[str, Any]:
        """One Web API call; every failure comes back as a DeliveryError classified for the outbox."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self.api.call(method, args)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DeliveryError(f"{method}: {type(exc).__name__}") from None

    def _message(self, view: Card, lang: str | None = None) -> dict[str, Any]:
        try:
            blocks, text = render.message(view, lang or self.lang)
        except render.RenderError as exc:
            raise DeliveryError(f"cannot render for Slack: {exc}", permanent=True) from None
        return {"blocks": blocks, "text": text}

    async def _dm_channel(self, user_id: str) -> str:
        if user_id not in self._dm:
            data = await self.call("conversations.open", users=user_id)
            self._dm[user_id] = str((data.get("channel") or {}).get("id"))
        return self._dm[user_id]

    async def _share_files(self, channel: str, view: Card, thread_ts: str | None) -> MessageRef:
        """A message with files (a draft report): upload each file, then share them all in one call
        whose comment carries the card's text — one Slack message, so a retry cannot post it twice
        half-done. Slack gives no ts for the share; such messages are never updated."""
        files = []
        for att in view.attachments:
            content = base64.b64decode(att.data)
            got = await self.call("files.getUploadURLExternal", filename=att.name, length=len(content))
            await self._upload(str(got["upload_url"]), att.name, content)
            files.append({"id": str(got["file_id"]), "title": att.name})
        _, text = render.message(view, self.lang)
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        await self.call("files.completeUploadExternal", files=files, channel_id=channel, initial_comment=text, **extra)
        return MessageRef(self.platform, inbound.message_key(channel, thread_ts or ""))

    async def _upload(self, url: str, name: str, content: bytes) -> None:
        session = self.client.session or aiohttp.ClientSession()
        try:
            form = aiohttp.FormData()
            form.add_field("file", content, filename=name)
            async with session.post(url, data=form, timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                if resp.status == 429:
                    raise DeliveryError("file upload: ratelimited", retry_after=retry_after(resp.headers))
                if resp.status >= 400:
                    raise DeliveryError(f"file upload: HTTP {resp.status}", permanent=400 <= resp.status < 500 and resp.status != 408)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise DeliveryError(f"file upload: {type(exc).__name__}") from None
        finally:
            if session is not self.client.session:
                await session.close()

    async def _send(self, channel: str, view: Card, thread_ts: str | None = None, lang: str | None = None) -> MessageRef:
        if view.attachments:
            return await self._share_files(channel, view, thread_ts)
        extra = {"thread_ts": thread_ts} if thread_ts else {}
        message = self._message(view, lang)
        data = await self.call("chat.postMessage", channel=channel, unfurl_links=False, unfurl_media=False, **message, **extra)
        return MessageRef(self.platform, inbound.message_key(str(data.get("channel") or channel), str(data["ts"])))

    # ---- the adapter contract --------------------------------------------------------------------
    async def notify(self, user: UserRef, view: Card) -> MessageRef:
        return await self._send(await self._dm_channel(user.key), view)

    async def post(self, place: PlaceRef, view: Card, thread: MessageRef | None = None) -> MessageRef:
        channel, ts = self._parse(thread) if thread is not None else (place.key, None)
        with _channel_refusal(channel):
            return await self._send(channel, view, ts)

    async def update(self, message: MessageRef, view: Card) -> None:
        channel, ts = self._parse(message)
        with _channel_refusal(channel):
            await self.call("chat.update", channel=channel, ts=ts, **self._message(view))

    async def link(self, message: MessageRef) -> str | None:
        """The message's permalink (``chat.getPermalink``)."""
        channel, ts = self._parse(message)
        if not ts:
            return None
        data = await self.call("chat.getPermalink", channel=channel, message_ts=ts)
        return str(data.get("permalink") or "") or None

    async def reply(self, user: UserRef, place: PlaceRef | None, view: Card) -> None:
        if place is not None and place.key == home.PLACE:  # the answer to opening the App Home tab
            await home.publish(self, user, view)
            return
        if place is not None:
            try:
                await self.call("chat.postEphemeral", channel=place.key, user=user.key, **self._message(view, self.lang_of(user.key)))
                return
            except DeliveryError as exc:
                if not exc.permanent:
                    raise
                log.info("ephemeral reply impossible here; sending a DM", extra={"error": str(exc)})
        await self._send(await self._dm_channel(user.key), view, lang=self.lang_of(user.key))

    async def open_form(self, user: UserRef, trigger: str, form: Form, place: PlaceRef | None) -> None:
        try:
            if not trigger:
                raise DeliveryError("views.open: no trigger_id", permanent=True)
            try:
                view = render.modal(form, self.tz, place.key if place else "", self.lang)
            except render.RenderError as exc:
                raise DeliveryError(f"cannot render the form for Slack: {exc}", permanent=True) from None
            await self.call("views.open", trigger_id=trigger, view=view)
        except DeliveryError as exc:
            key = "slack.form_expired" if "trigger" in str(exc) else "slack.try_again"
            await self.tell(user, place, key)
            raise

    # ---- helpers for the listeners ---------------------------------------------------------------
    def tracked(self, fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Wrap a Bolt listener so :meth:`idle` can wait for it (Bolt reads the wrapped signature)."""

        @functools.wraps(fn)
        async def run(**kw: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self.inflight.add(task)
            try:
                await fn(**kw)
            finally:
                if task is not None:
                    self.inflight.discard(task)

        return run

    async def idle(self) -> None:
        """Wait until every listener has finished its work (tests, shutdown)."""
        while self.inflight:
            await asyncio.gather(*list(self.inflight), return_exceptions=True)

    def lang_of(self, user_id: str) -> str:
        """The person's language (their Slack locale, as users.info last said), else the organisation's."""
        hit = self._names.get(user_id)
        return (hit[1].lang if hit else None) or self.lang

    async def tell(self, user: UserRef, place: PlaceRef | None, key: str, lang: str | None = None) -> None:
        """Best effort: a private note to ``user`` from the catalogue, in their language (never raises)."""
        try:
            await self.reply(user, place, Card(title="", tone="warning", text=t(key, lang or self.lang_of(user.key))))
        except DeliveryError as exc:
            log.warning("could not tell the person", extra={"error": str(exc), "key": key})

    def _parse(self, ref: MessageRef) -> tuple[str, str]:
        try:
            return inbound.parse_message_key(ref.key)
        except ValueError as exc:
            raise DeliveryError(str(exc), permanent=True) from None

    async def who(self, user_id: str, timeout: float = 1.5) -> Who:
        """Name and language from users.info, cached for an hour; a failed look-up is not cached."""
        hit = self._names.get(user_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        task = self._lookups.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._lookup(user_id))
            self._lookups[user_id] = task
            task.add_done_callback(lambda _: self._lookups.pop(user_id, None))
        try:
            return await asyncio.wait_for(asyncio.shield(task), timeout)
        except (TimeoutError, DeliveryError) as exc:
            log.info("users.info unavailable; using the name in the payload", extra={"error": str(exc) or "timeout"})
            return Who()

    async def _lookup(self, user_id: str) -> Who:
        data = await self.call("users.info", user=user_id, include_locale=True)
        u = data.get("user") or {}
        profile = u.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or u.get("real_name") or u.get("name") or ""
        who = Who(str(name), inbound.locale_lang(u.get("locale")))
        if len(self._names) > 10_000:
            self._names.clear()
        self._names[user_id] = (time.monotonic() + NAME_TTL, who)
        return who


# ---- Bolt: Slack's requests → neutral events -----------------------------------------------------------


MAX_BODY = 1_000_000  # Slack's own payloads are far smaller; anything bigger is refused unread


def build_bolt(adapter: SlackAdapter, host: Host, signing_secret: str, command: str = "/mynaleak") -> AsyncApp:
    """The Bolt app: request verification, then one listener per payload type."""
    import re

    from slack_bolt.async_app import AsyncApp

    adapter.command = command + " "
    bolt = AsyncApp(client=adapter.client, signing_secret=signing_secret, process_before_response=False, logger=log.getChild("bolt"))

    @bolt.error
    async def on_error(error: Exception) -> Any:
        """A payload Bolt itself cannot read (``actions`` a string, a view without ``type`` …): 400 and
        one line naming the error's type — never Bolt's traceback, never the body."""
        from slack_bolt.response import BoltResponse

        log.warning("unreadable Slack payload", extra={"error": type(error).__name__})
        return BoltResponse(status=400, body={"error": "unreadable request"})

    async def act(event: Any) -> None:
        if event is None:
            return
        try:
            async with adapter.work:
                await host.dispatch(event)
        except Exception as exc:  # the ack is gone: tell the person, log for the operator (no free text)
            log.error("could not handle a Slack request", extra={"event": type(event).__name__, "error": type(exc).__name__})
            log.debug("dispatch failure", exc_info=True)
            await adapter.tell(event.actor, getattr(event, "place", None), "slack.try_again", event.lang)

    def user_of(body: dict[str, Any], *path: str) -> str:
        node: Any = body
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        return node if isinstance(node, str) else ""

    async def translate(fn: Callable[..., Any], body: dict[str, Any], user_id: str, timeout: float | None = None) -> Any:
        """The neutral event for ``body``, or None (logged) when Slack sent something we cannot read."""
        try:
            who = await (adapter.who(user_id, timeout=timeout) if timeout else adapter.who(user_id))
            return fn(body, who)
        except ValueError as exc:
            log.warning("unreadable Slack payload", extra={"error": str(exc)[:200]})
            return None

    async def on_command(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await act(await translate(inbound.command, body, user_of(body, "user_id")))

    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await act(await translate(inbound.block_action, body, user_of(body, "user", "id")))

    async def on_message(body: dict[str, Any]) -> None:
        ev = body["event"] if isinstance(body.get("event"), dict) else {}
        if user_of(body, "event", "user") and not ev.get("bot_id"):
            await act(await translate(inbound.message_event, body, user_of(body, "event", "user")))

    async def on_view(ack: Any, body: dict[str, Any]) -> None:
        event = await translate(inbound.view_submission, body, user_of(body, "user", "id"), timeout=0.5)
        if event is None:
            await ack()
            return
        decided, rejected = host.precheck(event)
        if decided and rejected is not None and (errors := render.form_errors(rejected)):
            await ack(response_action="errors", errors=errors)  # shown back at once, nothing stored
            return
        # Record the submission BEFORE answering: Slack closes the modal on our 200 and never retries it,
        # so what the person typed must be in the database first. If it cannot be (the database is down,
        # or too slow for Slack's 3 s), the modal stays open with an error and nothing typed is lost; a
        # late commit is recognised as a duplicate when the person submits again.
        task = asyncio.ensure_future(host.dispatch(event))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(task), VIEW_ACK_BUDGET)
        except Exception as exc:
            timed_out = isinstance(exc, TimeoutError)
            if timed_out:
                task.add_done_callback(lambda done: done.cancelled() or done.exception())
            log.error("could not record a form submission; the form stays open",
                      extra={"form": event.form_id, "error": "timeout" if timed_out else type(exc).__name__})  # fmt: skip
            first = next((b.get("block_id") for b in (body.get("view") or {}).get("blocks", []) if b.get("type") == "input"), None)
            if first:
                await ack(response_action="errors", errors={first: t("slack.try_again", event.lang or adapter.lang)})
            else:
                await ack()
                await adapter.tell(event.actor, event.place, "slack.try_again", event.lang)
            return
        if outcome.form is None:
            await ack()
        elif errors := render.form_errors(outcome.form):
            await ack(response_action="errors", errors=errors)
        else:
            place = event.place.key if event.place else ""
            await ack(response_action="update", view=render.modal(outcome.form, adapter.tz, place, adapter.lang))

    bolt.command(command)(adapter.tracked(on_command))
    bolt.action(re.compile(".*"))(adapter.tracked(on_action))
    bolt.view(re.compile(".*"))(adapter.tracked(on_view))
    bolt.event("message")(adapter.tracked(on_message))
    shortcuts.register(bolt, adapter, act)

    async def on_home_opened(body: dict[str, Any]) -> None:
        await act(await translate(home.opened, body, user_of(body, "event", "user")))

    bolt.event("app_home_opened")(adapter.tracked(on_home_opened))
    return bolt


class SocketMode:
    """Bolt's Socket Mode handler, connected in the background (retrying) when the server starts."""

    def __init__(self, bolt: AsyncApp, app_token: str, client: AsyncWebClient):
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        self.handler = AsyncSocketModeHandler(bolt, app_token, web_client=client)
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._connect())

    async def _connect(self) -> None:
        delay = 1.0
        while True:
            try:
                await self.handler.connect_async()
            except Exception as exc:  # Slack unreachable: keep trying, the HTTP side keeps running
                log.warning("socket mode: cannot connect yet", extra={"error": type(exc).__name__, "retry_in": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            log.info("socket mode connected")
            self.connected.set()
            return

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self.handler.close_async()


def make_client(token: str, api_url: str = "", session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """The Web API client: our base URL, no built-in retries (the outbox retries), a shared session."""
    base = (api_url or DEFAULT_API_URL).rstrip("/") + "/"
    return AsyncWebClient(token=token, base_url=base, timeout=int(CALL_TIMEOUT), session=session, retry_handlers=[])


def unsigned(verifier: SignatureVerifier, request: web.Request, raw: bytes) -> str | None:
    """Why a request to /slack/events is not Slack's (None when it is): its timestamp is not a
    number or not within five minutes, or its signature does not match."""
    stamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return "timestamp is not a number"
    if abs(time.time() - int(stamp)) > 60 * 5:
        return "timestamp outside the five-minute window"
    if not verifier.is_valid(raw, stamp, signature):
        return "signature does not match"
    return None


def quiet_bolt_verification() -> None:
    """Bolt's own verification (still on, behind ours) logs the whole body of a refused request at
    INFO — My Numbers included. Only its reason is kept."""
    logging.getLogger("slack_bolt.RequestVerification").addFilter(_reason_only)


def _reason_only(record: logging.LogRecord) -> bool:
    msg = record.getMessage()
    if "body:" in msg:
        record.msg, record.args = msg.split("(", 1)[0].strip() or "refused request", ()
    return True


def install(host: Host) -> SlackAdapter:
    """Mount Slack on the shared server. Env: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET (HTTP mode),
    SLACK_APP_TOKEN (Socket Mode), SLACK_API_URL (default Slack's), SLACK_COMMAND (default /mynaleak)."""
    env = host.env
    token, secret, app_token = env.get("SLACK_BOT_TOKEN", ""), env.get("SLACK_SIGNING_SECRET", ""), env.get("SLACK_APP_TOKEN", "")
    if not token:
        raise RuntimeError("Slack: SLACK_BOT_TOKEN is not set")
    if not secret and not app_token:
        raise RuntimeError("Slack: set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode)")
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=CALL_TIMEOUT))
    adapter = SlackAdapter(make_client(token, env.get("SLACK_API_URL", ""), session), tz=host.config.tz, lang=host.config.language)
    quiet_bolt_verification()
    bolt = adapter.bolt = build_bolt(adapter, host, secret, env.get("SLACK_COMMAND") or "/mynaleak")
    if secret:
        from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

        verifier = SignatureVerifier(secret)

        async def slack_events(request: web.Request) -> web.Response:
            raw = await request.read()
            if len(raw) > MAX_BODY:
                return web.json_response({"error": "request too large"}, status=413)
            if (refused := unsigned(verifier, request, raw)) is not None:  # before Bolt, which logs the body
                log.info("refused a request to /slack/events", extra={"reason": refused})
                return web.json_response({"error": "invalid request"}, status=401)
            try:
                bolt_request = await to_bolt_request(request)
            except (AttributeError, TypeError, ValueError) as exc:  # Bolt reads the body before verifying it
                log.warning("unreadable request to /slack/events", extra={"error": type(exc).__name__})
                return web.json_response({"error": "unreadable request"}, status=400)
            if (reason := inbound.malformed(bolt_request.body)) is not None:
                log.warning("unreadable Slack payload", extra={"error": reason})
                return web.json_response({"error": "unreadable request"}, status=400)
            try:
                response = await bolt.async_dispatch(bolt_request)
            except Exception as exc:  # a shape Bolt cannot read that malformed() does not know yet
                log.warning("unreadable Slack payload", extra={"error": type(exc).__name__})
                return web.json_response({"error": "unreadable request"}, status=400)
            return await to_aiohttp_response(response)

        host.web.router.add_post("/slack/events", slack_events)
    if app_token:
        socket = adapter.socket = SocketMode(bolt, app_token, adapter.client)
        host.web.on_startup.append(lambda _: socket.start())
        host.web.on_cleanup.append(lambda _: socket.stop())

    async def close_session(_: web.Application) -> None:
        await session.close()

    host.web.on_cleanup.append(close_session)
    log.info("slack mounted", extra={"http": bool(secret), "socket_mode": bool(app_token)})
    return adapter
