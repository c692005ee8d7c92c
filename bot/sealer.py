"""Sealing the audit ledger after commit (see ``storage.ledger``): an event's transaction only queues
its incident's new chain head; this moves the queued heads into the ledger in one short transaction,
right after commit, one sealing at a time per process (a commit during one asks for another round).
The ticker seals too, a backstop for what a crash or an outage left queued."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from storage.ledger import SEAL_BATCH
from storage.store import Store

log = logging.getLogger("mynaleak.sealer")


class Sealer:
    def __init__(self, store: Store, key: bytes):
        self.store = store
        self._key = key
        self._running = False
        self._again = False

    def due(self) -> bool:
        """A commit queued a head: True when the caller should start :meth:`run` (none is under way);
        otherwise the sealing under way takes one more round."""
        if self._running:
            self._again = True
            return False
        self._running = True
        return True

    async def run(self) -> None:
        """Seal until nothing this process queued is left (started by :meth:`due`). A batch smaller than
        the limit took everything queued when it ran: unless a commit came meanwhile, no empty round
        follows to make sure (it cost a transaction of four statements after every sealing)."""
        try:
            while True:
                self._again = False
                sealed = await self.seal()
                if not self._again and sealed < SEAL_BATCH:
                    return
        except (SQLAlchemyError, OSError) as exc:  # the database went away: the next commit or tick seals what is left
            log.warning("audit ledger sealing postponed", extra={"error": type(exc).__name__})
        finally:
            self._running = False

    async def seal(self) -> int:
        """One batch of queued heads into the ledger; returns how many."""
        async with self.store.tx(urgent=False) as tx:
            return await tx.seal(self._key)
