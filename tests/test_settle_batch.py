"""What one event claimed for urgent delivery (a report's page and the reporter's confirmation) is
settled together after it is sent: one connection for the batch, not one per message; a message of
the batch that fails is retried on its own while the others stay sent (never sent twice)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.platform import DeliveryError
from bot.core.views import Card
from storage.store import OUT
from tests.conftest import Clock
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness
from tests.test_report_path import report


def _harness(db_url: str, clock: Clock) -> Harness:
    return Harness(db_url, config(escalation={**ORG["escalation"], "coalesce": {"after_pages": 0}}), clock)


async def test_a_reports_page_and_confirmation_are_settled_on_one_connection(db_url: str) -> None:
    clock = Clock()
    h = _harness(db_url, clock)
    await h.report("warm-up")
    checkouts: dict[int, int] = {}  # the DBAPI connection -> the number of its last checkout
    count = iter(range(1, 10**6))
    settled: list[tuple[int, tuple[Any, ...]]] = []  # (checkout, the statement's parameters)

    @event.listens_for(h.store.engine.sync_engine.pool, "checkout")
    def checkout(dbapi_connection: Any, *_: Any) -> None:
        checkouts[id(dbapi_connection)] = next(count)

    @event.listens_for(h.store.engine.sync_engine, "before_cursor_execute")
    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *rest: Any) -> None:
        if statement.lstrip().startswith("UPDATE outbox SET status") and "lease_until" not in statement:
            values = tuple(parameters.values()) if isinstance(parameters, dict) else tuple(parameters)
            settled.append((checkouts[id(conn.connection.dbapi_connection)], values))

    out = await h.runtime.dispatch(report("r1", clock))
    await h.runtime.drain()
    async with h.store.tx() as tx:
        rows = (await tx.conn.execute(select(OUT.c.id, OUT.c.kind).where(OUT.c.incident_id == out.incident_id,
                OUT.c.kind.in_(("notify", "reply"))))).all()  # fmt: skip
    await h.close()
    urgent = {r.id: r.kind for r in rows}
    assert {"notify", "reply"} <= set(urgent.values()), rows
    on = {n for n, values in settled for v in values if isinstance(v, int) and not isinstance(v, bool) and v in urgent}
    hits = [v for _, values in settled for v in values if isinstance(v, int) and not isinstance(v, bool) and v in urgent]
    assert sorted(hits) == sorted(urgent), (settled, urgent)  # each settled once
    # the page and the confirmation were settled on one checkout (one per message before)
    assert len(on) == 1, (settled, urgent)


async def test_a_failed_confirmation_leaves_the_page_sent_once(db_url: str) -> None:
    clock = Clock()
    h = _harness(db_url, clock)
    await h.report("warm-up")
    pages: list[str] = []
    notify, reply = h.adapter.notify, h.adapter.reply

    async def paged(user: UserRef, view: Card) -> MessageRef:
        if user.key == "sato":
            pages.append(view.title)
        return await notify(user, view)

    async def refused(user: UserRef, place: PlaceRef | None, view: Card) -> None:
        if user.key == "r1":
            raise DeliveryError("reply: HTTP 503")
        await reply(user, place, view)

    h.adapter.notify = paged  # type: ignore[method-assign]
    h.adapter.reply = refused  # type: ignore[method-assign]
    out = await h.runtime.dispatch(report("r1", clock))
    await h.runtime.drain()
    clock.advance(seconds=30)
    await h.deliverer.deliver()  # the ticker's pass: the confirmation is retried, the page is not
    await h.runtime.drain()
    async with h.store.tx() as tx:
        rows = (await tx.conn.execute(select(OUT.c.kind, OUT.c.status, OUT.c.attempts).where(OUT.c.incident_id == out.incident_id,
                OUT.c.kind.in_(("notify", "reply"))))).all()  # fmt: skip
    await h.close()
    assert len(pages) == 1, pages
    assert ("notify", "sent", 0) in [tuple(r) for r in rows], rows
    assert [tuple(r)[:2] for r in rows if r.kind == "reply"] == [("reply", "pending")], rows
