"""The chat platform as a witness of the audit trail: once a day the ledger's head (its sequence
number and MAC) is posted to the incident channel of every platform served. A copy kept there lets
``mynaleak audit verify --head N:HEX`` prove that nothing recorded before it was changed or removed,
even by someone who can write to the database.

Queued as an ordinary outbox row whose idempotency key holds the date, so several replicas post once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from bot import outbox
from bot.core.effects import Post
from bot.core.i18n import t
from bot.core.model import PlaceRef
from bot.core.views import Card
from bot.runtime import Runtime

log = logging.getLogger("mynaleak.witness")
TAG = "audit-ledger-head"


class Witness:
    def __init__(self, runtime: Runtime, platforms: Callable[[], Collection[str]]):
        self.runtime = runtime
        self.platforms = platforms  # the platforms served now (a post elsewhere could not be sent)
        self._done = ""  # the last local date posted (or found nothing to post)

    async def maybe_post(self) -> int:
        """Queue today's post if this process has not yet; returns how many rows were queued."""
        rt = self.runtime
        now = rt.clock()
        day = now.astimezone(rt.config.tz).date().isoformat()
        if day == self._done:
            return 0
        lang = rt.config.language
        async with rt.store.tx(urgent=False) as tx:
            seq, head = await tx.ledger_head()
            rows = []
            for platform, channel in sorted(rt.config.channels.items()):
                if not seq or platform not in self.platforms():
                    continue
                card = Card(
                    t("audit.head_title", lang, day=day),
                    text=t("audit.head_text", lang, seq=seq, head=head),
                    footer=t("audit.head_footer", lang, seq=seq, head=head),
                )
                out = outbox.encode(Post(card, PlaceRef(platform, channel), tag=TAG), None, platform)
                if out is not None:
                    rows.append(out.row(f"{TAG}:{day}:{platform}", None))
            queued = await tx.add_messages(rows, now, rt.me)
        self._done = day
        if queued:
            log.info("audit ledger head queued for the incident channel", extra={"ledger_seq": seq, "day": day})
        return len(queued)
