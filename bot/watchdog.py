"""The watchdog: chains must not stall silently. Once in a while (at the start of a tick, at most every
:data:`EVERY`), it looks for

- timers overdue by more than :data:`OVERDUE` that nobody is firing (the ticker was stopped or the
  database away, or the process that claimed them died): each is logged at ERROR and counted in
  ``mynaleak_watchdog_overdue_timers_total``; the tick that runs the watchdog then fires them (it
  takes over expired claims);
- escalations still paging (open, not acknowledged, not exhausted) with no escalation timer at all (a
  timer lost, failed for good, or cancelled by mistake): each is logged at ERROR, counted in
  ``mynaleak_watchdog_stalled_escalations_total`` and re-armed: its current step's timer, due now, so
  the chain goes on to its next step at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.runtime import Runtime
from flows.escalation import KIND as ESCALATE

log = logging.getLogger("mynaleak.watchdog")
EVERY = timedelta(seconds=30)
OVERDUE = timedelta(minutes=1)


class Watchdog:
    def __init__(self, runtime: Runtime, every: timedelta = EVERY, overdue: timedelta = OVERDUE):
        self.runtime = runtime
        self.every = every
        self.overdue = overdue
        self._at: datetime | None = None

    async def check(self) -> tuple[int, int]:
        """Look (if it is time to); returns (overdue timers found, stalled escalations re-armed)."""
        now = self.runtime.clock()
        if self._at is not None and now - self._at < self.every:
            return 0, 0
        self._at = now
        async with self.runtime.store.tx() as tx:
            late = await tx.overdue_timers(now - self.overdue, now)
            stalled = await tx.paging_without_timer(ESCALATE)
            if stalled:
                # at most one pending timer per key (a replica's watchdog doing the same adds nothing)
                await tx.add_timers([{"incident_id": inc.id, "kind": ESCALATE, "key": inc.escalation.timer_key(), "due_at": now,
                                      "payload": {}} for inc in stalled])  # fmt: skip
        for timer in late:
            late_by = (now - timer.due_at).total_seconds() if timer.due_at else None
            log.error("watchdog: timer overdue", extra={"incident": timer.incident_id, "timer": timer.id, "kind": timer.kind,
                                                        "key": timer.key, "late_seconds": late_by, "attempts": timer.attempts})  # fmt: skip
        for inc in stalled:
            esc = inc.escalation
            log.error("watchdog: escalation stalled with no timer; re-armed",
                      extra={"incident": inc.id, "step": esc.step + 1, "attempt": esc.attempt + 1, "key": esc.timer_key()})  # fmt: skip
        self.runtime.metrics.watchdog_overdue.inc(len(late))
        self.runtime.metrics.watchdog_stalled.inc(len(stalled))
        return len(late), len(stalled)
