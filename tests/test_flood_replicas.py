"""Flood control across replicas (issue 15) — PostgreSQL, where replicas decide concurrently: two
replicas bursting at once page each person five times, send one digest and one burst note, and leave
both showing every report."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.events import FormSubmitted
from bot.core.i18n import t
from bot.core.model import PlaceRef, UserRef
from bot.core.views import Card, plain
from tests.conftest import BACKENDS, Clock
from tests.contract.drivers import REPORT_VALUES
from tests.flows.helpers import config
from tests.support.harness import Harness
from tests.test_flood import acks_in, settle

pytestmark = pytest.mark.parametrize("db_url", [p for p in BACKENDS if p != "sqlite"], indirect=True)


def report(who: str, clock: Clock) -> FormSubmitted:
    values = {**REPORT_VALUES, "summary": "USBメモリを紛失", "discovered_at": clock().isoformat()}
    return FormSubmitted(UserRef("playground", who), "report", values, place=PlaceRef("playground", f"dm:{who}"))


async def test_two_replicas_bursting_at_once_page_five_times_and_keep_one_digest_and_one_note(db_url: str, clock: Clock) -> None:
    a = Harness(db_url, config(), clock, me="replica-a")
    b = Harness(db_url, config(), clock, me="replica-b")
    b.adapter = a.adapter  # one chat: both replicas' deliveries in the order they happened
    b.deliverer.adapters["playground"] = a.adapter
    rec = a.adapter
    try:
        outs = await asyncio.gather(*(h.runtime.dispatch(report("flooder", clock)) for _ in range(15) for h in (a, b)))
        for h in (a, b):
            await h.runtime.drain()
        for _ in range(3):
            await settle(a)
            await settle(b)
        ids = {o.incident_id for o in outs}
        assert len(ids) == 30
        dms = rec.ops("notify", "user:sato")
        pages = [s for s in dms if acks_in(s.view)]
        digests = [s for s in dms if not acks_in(s.view)]
        assert len(pages) == 5 and len(digests) == 1, [s.view.title for s in dms if isinstance(s.view, Card)]
        latest = rec.latest(digests[0].ref)
        assert isinstance(latest, Card) and latest.title == t("flood.digest_title", "ja", n=25)
        notes = [s for s in rec.ops("post", "place:incidents") if s.thread is None and "報告が集中" in s.view.text]
        assert len(notes) == 1
        note = rec.latest(notes[0].ref)
        assert isinstance(note, Card) and "30件" in note.text and "flooder さん（30件）" in plain(note.text)
    finally:
        await a.close()
        await b.close()
