"""Delivering the outbox: claim rows, send them through the platform's adapter, record the result.

Nothing lost: a row stays until it is sent, failed for good, cancelled or superseded; the ticker
retries whatever a crash or an outage left behind. Nothing twice: a row is claimed before it is sent
and settled only by its claimant; the one window left is a crash between the platform accepting a
message and our commit (at-least-once, documented in the README; what one event claimed for urgent
delivery is settled together once all of it is sent, so the window spans that batch). An update or
a thread reply whose target has not been delivered yet waits (until that message's own next try); an
older update superseded by a newer one is skipped.

A channel that refuses the bot (``DeliveryError.blocked``: not a member, removed, archived) is not a
failure for good: the row stays pending and is tried again slowly (a minute, doubling to fifteen) for a
week, the incident is told once (``DeliveryFailed(blocked=True)``: ``flows.channel`` DMs the people
concerned), and whatever waits on the card waits with it. When a channel message goes through — the
card's first post, or one that had failed before — the incident is told (``MessageDelivered``): the
pages gain their link to the card, and the channel is known to work again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.exc import SQLAlchemyError

from bot import outbox
from bot.core import serde
from bot.core.away import Away
from bot.core.events import DeliveryFailed, MessageDelivered
from bot.core.model import Incident, MessageRef, UserRef
from bot.core.platform import Adapter, DeliveryError, Notifier, Unavailable
from bot.outbox import BACKGROUND, Defer, Kind, Outgoing, Skip
from bot.runtime import Runtime
from flows import later as flows_later
from storage.queue import Claimed
from storage.store import Tx

log = logging.getLogger("mynaleak.delivery")
WAIT_FOR_TARGET = timedelta(seconds=1)
BATCH = 40  # rows claimed at most per background batch (sent well within their lease, even paced)
PACE = 0.125  # seconds a background message waits at most for a lull in urgent work (pages first)
PAGE_ATTEMPTS = 4  # a page still failing after this many tries is reported in the thread (and retried on)
MAX_ATTEMPTS = 40  # other messages: about half an hour of backoff
BLOCKED_ATTEMPTS = 700  # a channel that refuses the bot: retried every 15 minutes at most, for about a week
BLOCKED_MAX_WAIT = 900.0


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    if retry_after is not None:
        return timedelta(seconds=max(0.0, min(retry_after, 600.0)))
    return timedelta(seconds=min(2.0**attempts, 60.0))


def blocked_backoff(attempts: int) -> timedelta:
    """The wait before trying again a channel that refused the bot: someone has to let it in first."""
    return timedelta(seconds=min(60.0 * 2.0 ** max(attempts - 1, 0), BLOCKED_MAX_WAIT))


class Sent(NamedTuple):
    """A row the platform accepted, not yet recorded as sent."""

    msg: Claimed
    ref: str | None  # the platform's reference to the message (JSON), if any
    at: datetime


class Deliverer:
    def __init__(self, runtime: Runtime, adapters: Mapping[str, Adapter], notifiers: dict[str, Notifier] | None = None):
        self.runtime = runtime
        self.adapters = adapters
        self.notifiers: dict[str, Notifier] = notifiers if notifiers is not None else {}  # page-only channels (e-mail)
        self.store = runtime.store
        self.me = runtime.me
        self.on_failed: Callable[[DeliveryFailed], Awaitable[object]] = runtime.dispatch
        self._background = asyncio.Lock()  # one background batch at a time, in commit order (the lock is fair)
        # background rows committed and not claimed yet, in commit order: a batch takes all that waited
        # (a burst's channel posts are claimed together, not in a transaction per event)
        self._waiting: list[int] = []
        self._sweep_queued = False  # the ticker's sweep of background leftovers is waiting or under way
        self.stopping = False  # shutting down: finish the message being sent, claim nothing more
        runtime.on_commit = self.after_commit

    def after_commit(self, messages: list[Claimed]) -> None:
        """Deliver what one event produced: the urgent part at once — it was claimed in the event's
        own transaction (the page is the critical path; people wait for replies and forms) — and the
        rest through one background worker per process, so channel posts and card updates never
        crowd out the next page."""
        urgent = [m for m in messages if Kind(m.kind).urgent]
        # what a page links to (the incident card) when this very event created it: still queued, so no
        # link and no look-up before the page (the critical path)
        queued = {(m.incident_id or "", m.tag): ("pending", None) for m in messages if m.tag and not Kind(m.kind).urgent
                  and Kind(m.kind).creates_target}  # fmt: skip
        # pages through a notifier (an SMTP conversation takes a while) go apart: they never hold up a chat page or a reply
        for batch in ([m for m in urgent if m.platform not in self.notifiers], [m for m in urgent if m.platform in self.notifiers]):
            if batch:
                self.runtime.busy_with_urgent(+1)
                self.runtime.spawn(self._send_claimed(batch, dict(queued)))
        rest = [m.id for m in messages if not Kind(m.kind).urgent]
        if rest:
            self._waiting += rest
            self.runtime.spawn(self._send_background(), background=True)

    def sweep(self) -> None:
        """The ticker's share of the background rows: what is ready and nobody holds (a retry, what a
        crash or an outage left, what another process committed) goes through the same lane as this
        process's own channel posts — one batch at a time, paced behind urgent work — instead of all at
        once in the middle of a burst of reports. One sweep waits or runs at a time."""
        if not self._sweep_queued and not self.stopping:
            self._sweep_queued = True
            self.runtime.spawn(self._sweep(), background=True)

    async def _sweep(self) -> None:
        try:
            async with self._background:
                self._sweep_queued = False  # from here on a new tick may queue the next sweep
                while not self.stopping:
                    await self.runtime.quiet(at_most=1.0)
                    if not await self.deliver(limit=BATCH, kinds=BACKGROUND, urgent=False, pace=PACE):
                        break
        except SQLAlchemyError as exc:  # the database went away: the next tick sweeps again
            log.warning("background delivery postponed", extra={"error": str(exc).splitlines()[0][:200]})
        finally:
            self._sweep_queued = False

    async def _send_background(self) -> None:
        async with self._background:
            if self.stopping:  # shutting down: the rows stay queued for whichever process runs next
                return
            if not self._waiting:  # an earlier batch took this event's rows along
                return
            await self.runtime.quiet(at_most=1.0)  # pages first: channel posts wait for a lull (a second at most)
            ids, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]  # the rest: the next task's batch
            try:
                await self.deliver(ids, limit=BATCH, kinds=BACKGROUND, urgent=False, pace=PACE)
            except SQLAlchemyError as exc:  # the database went away: the ticker resends these rows later
                log.warning("background delivery postponed", extra={"error": str(exc).splitlines()[0][:200]})

    async def _send_claimed(self, claimed: list[Claimed], targets: dict[tuple[str, str], tuple[str, str | None]]) -> None:
        """Send what one event claimed (its page, the reporter's confirmation …) one after the other,
        then settle them together: one connection — one write on SQLite, one pre-ping on PostgreSQL —
        for the event's messages instead of one each (the critical path of a burst of reports)."""
        sent: list[Sent] = []
        try:
            for msg in claimed:
                await self._one(msg, targets, set(), sent=sent)
        finally:
            try:
                await self._settle_sent(sent)
            finally:
                self.runtime.busy_with_urgent(-1)

    async def close(self) -> None:
        await self.runtime.drain()

    async def deliver(
        self,
        ids: list[int] | None = None,
        limit: int = 200,
        kinds: tuple[str, ...] | None = None,
        urgent: bool = True,
        pace: float = 0.0,
    ) -> int:
        """Claim and send ready messages (only ``ids`` / ``kinds`` if given); returns how many were sent.
        ``pace``: each message first waits (that long at most) until no page or event is under way."""
        async with self.store.tx(urgent) as tx:
            claimed = await tx.claim_messages(self.me, self.runtime.clock(), limit, ids, kinds)
            targets, superseded = await tx.targets(claimed) if claimed else ({}, set())
            drawing = await self._to_draw(tx, claimed)
        sent = 0
        for n, msg in enumerate(claimed):
            if self.stopping:  # the rest of the batch is given back by the shutdown (release_claims)
                break
            if pace and n:
                await self.runtime.quiet(at_most=pace)
            if drawing is not None:  # each card drawn just before it is sent, outside the transaction
                msg = self._draw(msg, *drawing, superseded)
            sent += await self._one(msg, targets, superseded, urgent)
        return sent

    async def _to_draw(self, tx: Tx, claimed: list[Claimed]) -> tuple[dict[str, Incident | None], tuple[Away, ...]] | None:
        """What drawing the batch's cards needs (:meth:`_draw`), if it has any to draw: their incidents
        as they stand now, and the away periods in force."""
        keys = {m.incident_id or "" for m in claimed if serde.later_of(m.payload.get("view") or {})}
        if not keys:
            return None
        incidents: dict[str, Incident | None] = {}
        for key in sorted(keys):
            loaded = await tx.load(key) if key else None
            incidents[key] = loaded.incident if loaded else None
        return incidents, await tx.away_periods(self.runtime.clock())

    def _draw(self, msg: Claimed, incidents: dict[str, Incident | None], away: tuple[Away, ...], skip: set[int]) -> Claimed:
        """The row with its card drawn, if it was left to be drawn when sent (a new incident's card and
        checklist: ``flows.later``); a row whose incident is gone is added to ``skip``."""
        later = serde.later_of(msg.payload.get("view") or {})
        if later is None:
            return msg
        inc = incidents.get(msg.incident_id or "")
        if inc is None:
            skip.add(msg.id)
            return msg
        card = flows_later.draw(later, inc, self.runtime.clock(), self.runtime.config, away, self.runtime.commands, self.runtime.invites)
        return replace(msg, payload={**msg.payload, "view": serde.view_payload(card)})

    async def _one(
        self,
        msg: Claimed,
        targets: dict[tuple[str, str], tuple[str, str | None]],
        superseded: set[int],
        urgent: bool = True,
        sent: list[Sent] | None = None,
    ) -> int:
        """Send one claimed row and settle it — or, given ``sent``, leave a sent row there for the
        caller to settle with the others of its batch."""
        now = self.runtime.clock()
        try:
            if msg.id in superseded:
                raise Skip
            out = Outgoing(Kind(msg.kind), msg.platform, msg.tag, msg.payload)
            if out.kind in (Kind.NOTIFY, Kind.UPDATE):
                await self._link_targets(msg, targets, urgent)
            ref = await outbox.send(out, self.adapters, lambda tag: self._target(msg, tag, targets), self.notifiers)
        except Defer as waiting:
            async with self.store.tx(urgent) as tx:
                # the message it waits for may itself wait long (a channel that refused the bot): not before it
                later = await tx.retry_time(msg.incident_id, str(waiting.args[0])) if waiting.args and msg.incident_id else None
                retry_at = max(now + WAIT_FOR_TARGET, later or now)
                await tx.settle_message(msg.id, self.me, "pending", now, retry_at=retry_at)
            return 0
        except Skip:
            async with self.store.single(urgent) as tx:
                await tx.settle_message(msg.id, self.me, "skipped", now)
            return 0
        except DeliveryError as exc:
            await self._failed(msg, exc)
            return 0
        except Exception as exc:  # an adapter bug must not strand the rest of the batch: retry it
            log.exception("adapter raised unexpectedly", extra={"incident": msg.incident_id, "message_id": msg.id})
            await self._failed(msg, DeliveryError(f"{type(exc).__name__}: {exc}"))
            return 0
        stored = json.dumps(serde.dump(ref)) if ref else None
        if msg.tag and Kind(msg.kind).creates_target:
            targets[(msg.incident_id or "", msg.tag)] = ("sent", stored)  # later messages of this batch see it
        if sent is not None:
            sent.append(Sent(msg, stored, now))
        else:
            await self._settle_sent([Sent(msg, stored, now)], urgent)
        return 1

    async def _settle_sent(self, sent: list[Sent], urgent: bool = True) -> None:
        """Record rows as sent (one statement each, without BEGIN and COMMIT, on one connection)."""
        if not sent:
            return
        async with self.store.single(urgent) as tx:
            for s in sent:
                await tx.settle_message(s.msg.id, self.me, "sent", s.at, ref=s.ref)
        for s in sent:
            msg = s.msg
            self.runtime.metrics.delivered.labels(msg.kind).inc()
            if msg.incident_id and msg.kind in ("post", "update") and ((msg.tag == "card" and msg.kind == "post") or msg.attempts > 0):
                await self._delivered(msg)

    async def _delivered(self, msg: Claimed) -> None:
        """Tell the incident a channel message went through (flows.channel): best effort — a page
        without its link, or a late "the channel works again", is no reason to resend anything."""
        try:
            await self.runtime.dispatch(MessageDelivered(msg.incident_id or "", msg.tag, msg.kind, dedup=f"delivered:{msg.key}"))
        except (Unavailable, RuntimeError) as exc:  # the database went away, or contention won (flows never raise these)
            log.warning("could not record a delivery", extra={"incident": msg.incident_id, "tag": msg.tag, "error": type(exc).__name__})

    async def _link_targets(self, msg: Claimed, targets: dict[tuple[str, str], tuple[str, str | None]], urgent: bool) -> None:
        """Look up the messages a page links to (the incident card) that this batch does not know yet
        (an urgent page knows only what its own event queued)."""
        missing = frozenset(tag for tag in outbox.link_tags(msg.payload) if (msg.incident_id or "", tag) not in targets)
        if missing and msg.incident_id:
            try:
                async with self.store.tx(urgent) as tx:
                    found, _ = await tx.targets([msg], missing)
            except SQLAlchemyError as exc:  # the page goes without its link
                log.warning("no link for a page: the database did not answer", extra={"error": str(exc).splitlines()[0][:200]})
                return
            targets.update(found)

    @staticmethod
    def _target(msg: Claimed, tag: str, targets: dict[tuple[str, str], tuple[str, str | None]]) -> MessageRef | None:
        status, ref = targets.get((msg.incident_id or "", tag), ("missing", None))
        if status == "sent" and ref:
            return outbox.message_ref(ref)
        if status in ("pending", "sending"):
            raise Defer(tag)
        return None

    async def _failed(self, msg: Claimed, exc: DeliveryError) -> None:
        now = self.runtime.clock()
        attempts = msg.attempts + 1
        is_page = msg.tag.startswith(("page:", "digest:"))  # a digest page (flows.coalesce) is a page
        # a channel that refuses the bot: kept, and tried again slowly until someone lets the bot in
        blocked = exc.blocked and msg.kind in ("post", "update")
        final = (attempts >= BLOCKED_ATTEMPTS) if blocked else (exc.permanent or attempts >= MAX_ATTEMPTS or msg.kind == "form")
        # a page still failing after a few tries is reported in the thread at once (and retried on):
        # the escalation does not wait for it, but people should know
        late_page = is_page and not final and attempts == PAGE_ATTEMPTS
        self.runtime.metrics.delivery_failures.labels(str(final).lower()).inc()
        log.warning(
            "delivery failed",
            extra={
                "incident": msg.incident_id,
                "message_id": msg.id,
                "kind": msg.kind,
                "tag": msg.tag,
                "attempts": attempts,
                "final": final,
                "channel_refused": blocked,
                "error": str(exc)[:300],
            },  # fmt: skip
        )
        async with self.store.tx() as tx:
            if final:
                await tx.settle_message(msg.id, self.me, "failed", now, error=str(exc), attempts=attempts)
            else:
                wait = blocked_backoff(attempts) if blocked else backoff(attempts, exc.retry_after)
                await tx.settle_message(msg.id, self.me, "pending", now, error=str(exc), attempts=attempts, retry_at=now + wait)
        if blocked and msg.incident_id and attempts == 1:
            log.warning("the incident channel refuses the bot: messages kept and retried; the people concerned are told in a DM",
                        extra={"incident": msg.incident_id, "error": str(exc)[:300]})  # fmt: skip
            await self.on_failed(DeliveryFailed(msg.incident_id, msg.tag, None, str(exc), final=False, blocked=True,
                                                dedup=f"blocked:{msg.key}"))  # fmt: skip
        if (final or late_page) and msg.incident_id and msg.kind == "notify":
            user = serde.load(UserRef, msg.payload["user"])
            await self.on_failed(DeliveryFailed(msg.incident_id, msg.tag, user, str(exc), final=final, dedup=f"failed:{msg.key}"))
