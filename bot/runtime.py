"""The one imperative shell: load state → call the flow → save state, audit entries, timers and
outgoing messages in ONE transaction → deliver the messages after commit (``bot.delivery``)."""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

import flows
from bot import outbox
from bot.core import serde
from bot.core.away import ClearAway, SetAway
from bot.core.config import OrgConfig
from bot.core.effects import Audit, CancelMessages, CancelTimers, Effect, Mark, Notify, RejectForm, Reply, Requeue, StartTimer, Update
from bot.core.events import Event, TimerFired
from bot.core.model import Incident
from bot.core.platform import DEFAULT_COMMAND, Clock, Outcome, Unavailable
from bot.core.views import Form
from bot.metrics import Metrics
from bot.sealer import Sealer
from storage.audit import DEV_KEY
from storage.store import Claimed, Loaded, Store, Tx, encoded, incident_state

log = logging.getLogger("mynaleak.runtime")
__all__ = ["Clock", "Outcome", "Runtime", "Unavailable", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class _Rollback(Exception):
    pass


class _Conflict(Exception):
    pass


def _diff(before: Incident | None, a: dict[str, Any]) -> dict[str, Any]:
    """Top-level fields that changed (items compared one by one), as [before, after] pairs; ``a``: the
    incident after the change, serialised (once per event: the same data is digested and saved)."""
    if before is None:
        return {"created": True}
    b = serde.dump(before)
    changes: dict[str, Any] = {}
    for key in a:
        if key == "items":
            old = {i["id"]: i for i in b["items"]}
            for item in a["items"]:
                if old.get(item["id"]) != item:
                    was = old.get(item["id"]) or {}
                    changes[f"item {item['id']}"] = [
                        {k: was.get(k) for k in ("state", "owner", "note", "reason")},
                        {k: item.get(k) for k in ("state", "owner", "note", "reason")},
                    ]
        elif b.get(key) != a[key]:
            changes[key] = [b.get(key), a[key]] if key != "escalation" else _esc_diff(b[key], a[key])
    return changes


def _esc_diff(b: dict[str, Any], a: dict[str, Any]) -> dict[str, Any]:
    return {k: [b.get(k), a[k]] for k in ("step", "attempt", "status", "acked_by", "acked_at") if b.get(k) != a[k]}


class Runtime:
    def __init__(
        self,
        store: Store,
        config: OrgConfig,
        *,
        clock: Clock = utcnow,
        me: str | None = None,
        metrics: Metrics | None = None,
        audit_key: bytes | None = None,
        commands: Mapping[str, str] | None = None,
        invites: Mapping[str, str] | None = None,
    ):
        self.store = store
        # the audit trail's HMAC key (MYNALEAK_AUDIT_KEY); without one, the public development key
        self._audit_key = audit_key or DEV_KEY
        self.sealer = Sealer(store, self._audit_key)  # moves committed chain heads into the ledger (storage.ledger)
        self.config = config
        self.clock = clock
        self.me = me or f"mynaleak-{uuid.uuid4().hex[:12]}"
        self.metrics = metrics or Metrics()
        self.commands = dict(commands or {})  # platform -> how people give commands there (the registry's)
        self.invites = dict(invites or {})  # platform -> the catalogue key saying how to let the bot into a channel
        # called with the rows claimed for immediate delivery, right after each commit (the deliverer
        # sets it); without it nothing is claimed, and the ticker delivers every row
        self.on_commit: Callable[[list[Claimed]], None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()  # the spawned tasks that send background rows (a subset)
        self._urgent = 0  # events being handled and urgent deliveries under way
        self._quiet = asyncio.Event()
        self._quiet.set()
        # reports the platform's precheck read and accepted, until their dispatch (by the event's identity;
        # the event is held, so its id is not reused meanwhile): a form is read once per event
        self._reports: OrderedDict[int, tuple[Event, flows.Report]] = OrderedDict()

    def busy_with_urgent(self, delta: int) -> None:
        self._urgent += delta
        if self._urgent:
            self._quiet.clear()
        else:
            self._quiet.set()

    async def quiet(self, at_most: float) -> None:
        """Wait (at most ``at_most`` seconds) until no event and no urgent delivery is under way."""
        if self._urgent:
            try:
                await asyncio.wait_for(self._quiet.wait(), at_most)
            except TimeoutError:
                pass

    async def dispatch(self, event: Event, *, timer: Claimed | None = None) -> Outcome:
        """Handle one event in one transaction; retried on an optimistic-concurrency conflict."""
        self.busy_with_urgent(+1)
        try:
            return await self._dispatch(event, timer)
        finally:
            self.busy_with_urgent(-1)

    async def _dispatch(self, event: Event, timer: Claimed | None) -> Outcome:
        held = self._reports.pop(id(event), None)
        report = held[1] if held is not None and held[0] is event else None
        for attempt in range(12):
            try:
                outcome = await self._attempt(event, timer, report)
            except _Conflict:
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))  # jittered: contenders spread out
                continue
            except (OperationalError, InterfaceError, OSError) as exc:
                self.metrics.events.labels(type(event).__name__, "unavailable").inc()
                log.warning("database unavailable", extra={"event": type(event).__name__, "error": type(exc).__name__})
                raise Unavailable(type(exc).__name__) from exc
            self.metrics.events.labels(type(event).__name__, "duplicate" if outcome.duplicate else "ok").inc()
            if outcome.incident_id:
                log.info("event handled", extra={"incident": outcome.incident_id, "event": type(event).__name__,
                                                 "messages": len(outcome.messages), "duplicate": outcome.duplicate})  # fmt: skip
            if outcome.messages and self.on_commit is not None:
                self.on_commit(list(outcome.messages))
            if outcome.incident_id and not outcome.duplicate and self.sealer.due():  # after the page has started
                self.spawn(self.sealer.run())
            return outcome
        raise RuntimeError(f"gave up after repeated conflicts on {type(event).__name__}")

    def command_of(self, event: Event) -> str:
        return self.commands.get(event.actor.platform, DEFAULT_COMMAND)

    def precheck(self, event: Event) -> tuple[bool, Form | None]:
        """Decide a form submission without the database when its form allows (see flows.precheck). A
        report it accepts is kept for this event's :meth:`dispatch`, which does not read it again."""
        decided, form, report = flows.prechecked(event, self.clock(), self.config, self.command_of(event))
        if report is not None:
            self._reports[id(event)] = (event, report)
            while len(self._reports) > 1000:  # prechecked but never dispatched (a platform gave up)
                self._reports.popitem(last=False)
        return decided, form

    def spawn(self, coro: Any, *, background: bool = False) -> None:
        """Run ``coro`` in the background; :meth:`drain` waits for it. ``background``: it sends
        background rows (channel posts, card updates), which yield to urgent work for as long as a
        burst lasts — a tick does not wait for those (see :meth:`drain`)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if background:
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def busy(self) -> bool:
        """Deliveries started after a commit are still running."""
        return bool(self._tasks)

    async def drain(self, background: bool = True) -> None:
        """Wait for every delivery started after a commit (tests, shutdown) — or, ``background=False``,
        for the urgent ones under way now (the serving ticker: its timers must not wait behind channel
        posts that are themselves waiting for a burst of reports to pass, nor behind the burst)."""
        if not background:  # what is under way now (more keeps coming during a burst: not waited for)
            if pending := self._tasks - self._background:
                await asyncio.shield(asyncio.gather(*pending, return_exceptions=True))
            return
        while self._tasks:
            # shielded: a drain cancelled (a tick stopped by the shutdown) does not cancel the deliveries
            await asyncio.shield(asyncio.gather(*list(self._tasks), return_exceptions=True))

    async def _attempt(self, event: Event, timer: Claimed | None, report: flows.Report | None = None) -> Outcome:
        need = flows.needs(event)
        if need.new_id:
            if report is None:
                decided, rejected, report = flows.prechecked(event, self.clock(), self.config, self.command_of(event))
            else:
                decided, rejected = True, None  # the platform's precheck read and accepted it
            if decided and rejected is not None:
                return Outcome(form=rejected)  # nothing to store, no number used up
            if not decided:
                # decided without a number first: a refusal is answered without drawing one (a PostgreSQL
                # sequence is not rolled back); a flow that needs the number answers nothing here. A
                # report the precheck accepted needs no second look: it is created below.
                _, first = flows.handle(flows.State(), event, self.clock(), self.config, self.command_of(event))
                if replies := [e for e in first if isinstance(e, Reply)]:
                    return await self._reply_only(event, _rejected(first), replies)
            await self.store.ensure_sequence(self._scope(need))
        try:
            async with self.store.tx() as tx:
                now = self.clock()
                if event.dedup and not await tx.first_time(event.dedup, now):
                    return Outcome(duplicate=True)
                loaded = await tx.load(need.incident_id, lock=True) if need.incident_id else None
                new_id = None
                if need.new_id:
                    scope = self._scope(need, now)
                    new_id = f"ML-{scope}-{await tx.next_seq(scope):04d}"
                summaries = tuple(await tx.summaries()) if need.summaries else ()
                away = await tx.away_periods(now) if need.marks or need.away else ()  # deputies (flows.away)
                # flood control (flows.coalesce): the recent-paging log, two windows back, locked for this decision
                window = timedelta(minutes=self.config.coalesce_window_minutes)
                # (only when flood control is on: the log's lock makes every paging decision wait for the last
                # one, so it is read last, after everything that needs no lock)
                marks = await tx.recent_marks(now - 2 * window) if need.marks and self.config.coalesce_after > 0 else None
                state = flows.State(loaded.incident if loaded else None, new_id, summaries, marks, away, report)
                inc, effects = flows.handle(state, event, now, self.config, self.command_of(event), self.commands, self.invites)
                if need.new_id and inc is None:
                    # nothing created: no number may be used up, but the flow's private answers (a
                    # refusal, say) must still reach the person — queued below, in a transaction of their own
                    raise _Rollback(_rejected(effects), [e for e in effects if isinstance(e, Reply)])
                if timer is not None and not await tx.finish_timer(timer.id, self.me):
                    raise _Rollback(None)  # our claim lapsed and another replica took the timer
                if inc is None and loaded is not None and any(isinstance(e, Audit) for e in effects):
                    inc = loaded.incident  # unchanged, but the flow asked for an audit entry (a draft made, a deadline page)
                current = inc or (loaded.incident if loaded else None)
                incident_id = current.id if current else None
                ids, timer_ids = await self._apply(tx, event, timer, current, effects, now, fresh=loaded is None and inc is not None)
                if inc is not None:  # after the rows: its audit entry names the timers and messages it created
                    await self._save(tx, event, loaded, inc, effects, now, {"timers": timer_ids, "outbox": [c.id for c in ids]})
        except _Rollback as rb:
            form = rb.args[0]
            replies = rb.args[1] if len(rb.args) > 1 else []
            if not replies:
                return Outcome(form=form)
            return await self._reply_only(event, form, replies)
        self._count(loaded, inc, effects)
        return Outcome(form=_rejected(effects), incident_id=incident_id, messages=tuple(ids))

    async def _reply_only(self, event: Event, form: Form | None, replies: Sequence[Effect]) -> Outcome:
        """Queue a flow's private replies when the event stores no incident (and uses up no number)."""
        async with self.store.tx() as tx:
            now = self.clock()
            if event.dedup and not await tx.first_time(event.dedup, now):
                return Outcome(duplicate=True)
            ids, _ = await self._apply(tx, event, None, None, list(replies), now)
        return Outcome(form=form, messages=tuple(ids))

    def _scope(self, need: flows.Need, now: datetime | None = None) -> str:
        year = (now or self.clock()).astimezone(self.config.tz).year
        return f"DRILL-{year}" if need.drill else str(year)

    async def _save(
        self,
        tx: Tx,
        event: Event,
        loaded: Loaded | None,
        inc: Incident,
        effects: list[Effect],
        now: datetime,
        created: dict[str, list[int]],
    ) -> None:
        """The incident, its audit entries (keyed, covering its state after the change and naming the
        rows the event created) and its new chain head, queued for the ledger over all incidents (sealed
        after commit: ``storage.ledger``)."""
        head = loaded.audit_head if loaded else "0" * 64
        seq = loaded.audit_seq if loaded else 0
        audits = [e for e in effects if isinstance(e, Audit)] or [Audit("incident.updated")]
        actor = f"{event.actor.platform}:{event.actor.key}"
        data = serde.dump(inc)  # the incident serialised once: diffed, digested and saved
        changes = _diff(loaded.incident if loaded else None, data)
        first = {"changes": changes} | ({"created": created} if any(created.values()) else {})
        entries = [(a.action, dict(a.detail) | (first if n == 0 else {})) for n, a in enumerate(audits)]
        text = encoded(data)  # one encoding, digested and stored
        state = incident_state(inc, text)
        head, seq = await tx.append_audit(inc.id, head, seq, now, actor, entries, key=self._audit_key, state=state)
        if not await tx.save(inc, loaded, head, seq, text):
            raise _Conflict
        await tx.queue_seal(inc.id, seq, head, now)

    async def _apply(
        self, tx: Tx, event: Event, timer: Claimed | None, inc: Incident | None, effects: list[Effect], now: datetime, fresh: bool = False
    ) -> tuple[list[Claimed], list[int]]:
        """Timers and outgoing rows; returns the rows queued (claimed ones first sent after commit) and
        the ids of the timers created. ``fresh``: ``inc`` is created by this event (no row of it is stored yet)."""
        incident_id = inc.id if inc else None
        base = event.dedup or (f"timer:{timer.id}" if timer else uuid.uuid4().hex)
        rows: list[dict[str, Any]] = []
        timers: list[dict[str, Any]] = []  # inserted together, but never after a later cancellation
        timer_ids: list[int] = []
        marks: list[dict[str, Any]] = []
        requeued: list[Claimed] = []  # channel rows sent again now (``/mynaleak repost``): delivered after commit too
        for n, e in enumerate(effects):
            if isinstance(e, SetAway | ClearAway):
                await self._away(tx, e, event, now)
            elif isinstance(e, Mark) and incident_id:
                marks.append(
                    {"kind": e.kind, "who": e.who[:300], "at": now, "incident_id": incident_id, "tag": e.tag, "name": e.name[:256]}
                )
            elif isinstance(e, StartTimer) and incident_id:
                timers.append({"incident_id": incident_id, "kind": e.kind, "key": e.key, "due_at": e.due_at, "payload": dict(e.payload)})
            elif isinstance(e, CancelTimers) and incident_id and fresh:  # only this event's timers exist: dropped unwritten
                timers = [t for t in timers if e.kinds and t["kind"] not in e.kinds]
            elif isinstance(e, CancelTimers) and incident_id:
                timer_ids += await tx.add_timers(timers)
                timers = []
                await tx.cancel_timers(incident_id, e.kinds)
            elif isinstance(e, CancelMessages) and incident_id and not fresh:  # a new incident has no queued message yet
                await tx.cancel_messages(incident_id, e.prefix)
            elif isinstance(e, Requeue) and incident_id:
                requeued += await tx.requeue_messages(incident_id, now)
            elif (out := outbox.encode(e, inc, event.actor.platform)) is not None:
                owner = (e.incident_id if isinstance(e, Update) else "") or incident_id  # a digest: its first incident's
                rows.append(out.row(f"{base}:{n}", owner))
        timer_ids += await tx.add_timers(timers)
        await tx.add_marks(marks, now)
        # urgent messages are claimed here and sent right after commit (only if someone will send them)
        added = await tx.add_messages(rows, now, self.me, outbox.URGENT if self.on_commit is not None else ())
        return added + requeued, timer_ids

    async def _away(self, tx: Tx, e: SetAway | ClearAway, event: Event, now: datetime) -> None:
        """Store or end an away period (``/mynaleak away``), and say so in the log."""
        who = f"{event.actor.platform}:{event.actor.key}"
        if isinstance(e, SetAway):
            await tx.add_away(e.away, now)
            a = e.away
            log.info(
                "away set", extra={"person": a.person, "from": a.start.isoformat(), "to": a.end.isoformat(), "deputy": a.deputy, "by": who}
            )
        else:
            await tx.clear_away(e.person, e.at)
            log.info("away cleared", extra={"person": e.person, "by": who})

    def _count(self, loaded: Loaded | None, inc: Incident | None, effects: list[Effect]) -> None:
        m = self.metrics
        if inc is None:
            return
        if loaded is None:
            m.incidents.labels(str(inc.drill).lower()).inc()
        m.pages.inc(sum(1 for e in effects if isinstance(e, Notify) and e.tag.startswith("page:")))
        m.pages_coalesced.inc(sum(1 for e in effects if isinstance(e, Mark) and e.kind == "fold"))
        m.page_digests.inc(sum(1 for e in effects if isinstance(e, Mark) and e.kind == "digest"))
        before = loaded.incident.escalation.status if loaded else None
        if inc.escalation.status == "acked" and before != "acked" and inc.escalation.acked_at:
            m.acks.inc()
            m.time_to_ack.observe((inc.escalation.acked_at - inc.created_at).total_seconds())

    async def fire(self, timer: Claimed) -> None:
        """Run one claimed timer's flow (the ticker calls this)."""
        payload = {k: str(v) for k, v in (timer.payload or {}).items()}
        await self.dispatch(TimerFired(timer.incident_id or "", timer.kind, timer.key, payload), timer=timer)


def _rejected(effects: list[Effect]) -> Form | None:
    """The form shown back with errors, if any; the operator's log names the form and the fields in
    error (never what was typed)."""
    form = next((e.form for e in effects if isinstance(e, RejectForm)), None)
    if form is not None:
        log.info("form rejected", extra={"form": form.id, "fields": sorted(form.errors)})
    return form
