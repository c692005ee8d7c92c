"""The ticker: each replica's APScheduler 3 interval job claims due timer rows and runs their flows,
then resends whatever the outbox still holds. The rows are the shared truth; APScheduler only ticks
(its job store is in memory and never shared between processes)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.delivery import Deliverer
from bot.outbox import URGENT
from bot.runtime import Runtime, Unavailable
from bot.watchdog import Watchdog
from bot.witness import Witness
from storage.store import Claimed

log = logging.getLogger("mynaleak.ticker")
MAX_TIMER_ATTEMPTS = 5
SEEN_FOR = timedelta(days=7)  # inbound delivery keys kept this long: past every platform's retry window
PRUNE_EVERY = timedelta(hours=1)


class Ticker:
    def __init__(self, runtime: Runtime, deliverer: Deliverer, batch: int = 100):
        self.runtime = runtime
        self.deliverer = deliverer
        self.batch = batch
        self._scheduler: AsyncIOScheduler | None = None
        self.witness: Witness | None = None  # posts the audit ledger's head once a day (the served app sets it)
        self._pruned_at: datetime | None = None
        self._stopping = False
        self.watchdog = Watchdog(runtime)
        self._ticking = asyncio.Lock()  # held by the tick under way (shutdown waits for it)

    async def tick(self, wait_background: bool = True) -> int:
        """Fire every due timer (in batches) and deliver leftovers; returns how many timers fired.
        A one-shot tick returns once everything it set off was sent; the serving loop's
        (``wait_background=False``) does not wait for channel posts and card updates, which yield to
        urgent work while a burst lasts — the next timers do not wait behind them.
        While the database is unreachable it does nothing and says so; the next tick tries again.
        Once :meth:`shutdown` began, nothing new is started."""
        if self._stopping:
            return 0
        try:
            async with self._ticking:
                if self._stopping:  # waited for the tick before it, and the shutdown began meanwhile
                    return 0
                return await self._tick(wait_background)
        except (OperationalError, InterfaceError, OSError) as exc:
            log.warning("tick skipped: database unavailable", extra={"error": type(exc).__name__})
            return 0
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # stopped past the grace period (App.close): what it held waits for its lease; not an error
            log.info("tick cancelled by the shutdown")
            return 0

    async def shutdown(self) -> None:
        """Stop ticking and wait for the tick under way: it finishes the timer it is firing and gives
        the rest of its batch back (a graceful shutdown; see ``App.quiesce``)."""
        self._stopping = True
        if self._scheduler is not None:
            # no new tick, and the one under way is NOT cancelled (shutting the scheduler down would
            # cancel it mid-batch): it is let finish, then the scheduler goes
            self._scheduler.pause()
        async with self._ticking:  # fair: a tick already waiting goes first, sees the shutdown, returns
            pass
        self.stop()

    async def _tick(self, wait_background: bool) -> int:
        fired = 0
        await self.watchdog.check()  # before firing: what it finds overdue, this tick fires
        while True:
            now = self.runtime.clock()
            async with self.runtime.store.tx() as tx:
                claimed = await tx.claim_timers(self.runtime.me, now, self.batch)
            for n, timer in enumerate(claimed):
                if self._stopping:  # shutting down: the rest of the batch goes back at once
                    async with self.runtime.store.tx() as tx:
                        for left in claimed[n:]:
                            await tx.release_timer(left.id, self.runtime.me)
                    return fired
                fired += await self._fire(timer)
            if len(claimed) < self.batch or self._stopping:
                break
        await self.runtime.drain(background=wait_background)
        if self._stopping:
            return fired
        await self.runtime.sealer.seal()  # a backstop: what a crash or an outage left queued for the ledger
        await self.runtime.store.checkpoint()  # SQLite: the write-ahead log back into the file, off the loop
        if self.witness is not None:
            await self.witness.maybe_post()
        # leftovers: urgent rows (a page's retry) at once; background rows through the deliverer's
        # paced lane, which yields to a burst of reports (waited for only by a one-shot tick)
        while not self._stopping and await self.deliverer.deliver(kinds=URGENT) > 0:
            pass
        if not self._stopping:
            self.deliverer.sweep()
            if wait_background:
                await self.runtime.drain()
        async with self.runtime.store.tx() as tx:
            self.runtime.metrics.outbox_backlog.set(await tx.backlog())
        await self._prune()
        return fired

    async def _prune(self) -> None:
        """Once in a while: forget inbound delivery keys older than :data:`SEEN_FOR`."""
        now = self.runtime.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        async with self.runtime.store.tx() as tx:
            gone = await tx.forget_seen(now - SEEN_FOR)
        self._pruned_at = now
        if gone:
            log.info("forgot old inbound delivery keys", extra={"count": gone})

    async def _fire(self, timer: Claimed) -> int:
        try:
            await self.runtime.fire(timer)
            if timer.due_at is not None:
                self.runtime.metrics.timer_lateness.observe(max(0.0, (self.runtime.clock() - timer.due_at).total_seconds()))
            return 1
        except Unavailable:
            raise  # the whole tick stops; the claim's lease runs out and the timer fires later
        except Exception:  # a failing flow must not stop other timers: give it back, fail it after N tries
            log.exception("timer failed", extra={"incident": timer.incident_id, "timer": timer.id, "kind": timer.kind})
            async with self.runtime.store.tx() as tx:
                if timer.attempts >= MAX_TIMER_ATTEMPTS:
                    await tx.finish_timer(timer.id, self.runtime.me, "failed")
                else:
                    await tx.release_timer(timer.id, self.runtime.me)
            return 0

    def start(self, seconds: float) -> None:
        # a tick still running when the next is due is simply skipped (max_instances=1): not a warning
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        self._scheduler = AsyncIOScheduler()
        self._scheduler.add_job(
            self.tick,
            "interval",
            kwargs={"wait_background": False},
            seconds=seconds,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        self._scheduler.start()

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
