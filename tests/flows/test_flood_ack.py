"""The flood digest page after the ack (issue 14): like a page's title, the digest's stops asking for
action once its incidents are acknowledged — it counts those acknowledged while some are not, and
reads 【確認済み】 when all are; a later fold keeps the count. Driven as the runtime drives the flows
(tests.flows.test_coalesce.Sim: every Mark becomes a row of the log the next event is given)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.effects import Effect, Update
from bot.core.i18n import t
from flows import State, needs
from tests.flows.helpers import (
    SATO,
    T0,
    config,
    handle,  # flows.handle, with the cards drawn when sent drawn
    minutes,
    press,
)
from tests.flows.test_coalesce import Sim, dms


def ack(sim: Sim, inc_id: str, now: datetime) -> list[Effect]:
    inc = sim.incidents[inc_id]
    event = press(SATO, "ack", inc_id)
    assert needs(event).marks  # the runtime loads the log for an ack
    new, effects = handle(State(incident=inc, marks=sim._loaded(now)), event, now, sim.cfg)
    assert new is not None and new.escalation.status == "acked"
    sim._record(new, effects, now)
    return effects


def digest_updates(effects: list[Effect]) -> list[Update]:
    return [e for e in effects if isinstance(e, Update) and e.tag.startswith("digest:")]


def test_the_digest_title_follows_the_acks() -> None:
    sim = Sim()
    runs = sim.flood(7, timedelta(seconds=1))  # 1–5 paged; 6 starts the digest, 7 updates it
    (digest,) = [n for eff in runs for n in dms(eff, SATO) if n.tag.startswith("digest:")]
    assert digest.view.title == "【要対応】ほかに1件の報告（まとめ通知）"

    (one,) = digest_updates(ack(sim, "ML-2026-0006", T0 + minutes(2)))
    assert (one.tag, one.incident_id) == (digest.tag, "")  # the digest is incident 6's own message
    assert one.view.title == "【要対応】ほかに2件の報告（まとめ通知・1件確認済み）" and one.view.tone == "danger"

    (both,) = digest_updates(ack(sim, "ML-2026-0007", T0 + minutes(3)))
    assert (both.tag, both.incident_id) == (digest.tag, "ML-2026-0006")
    assert both.view.title == "【確認済み】ほかに2件の報告（まとめ通知）" and both.view.tone == "success"
    assert both.view.title == t("cardux.flood.digest_title_acked", "ja", n=2)


def test_a_later_fold_keeps_the_count() -> None:
    sim = Sim()
    sim.flood(7, timedelta(seconds=1))
    ack(sim, "ML-2026-0006", T0 + minutes(1))
    runs = sim.flood(1, timedelta(seconds=1), start=T0 + minutes(2))  # incident 8 folds into the same digest
    (update,) = [u for u in digest_updates(runs[0]) if u.view.fields]
    assert update.view.title == "【要対応】ほかに3件の報告（まとめ通知・1件確認済み）"


def test_an_incident_that_was_paged_itself_updates_no_digest() -> None:
    sim = Sim()
    sim.flood(7, timedelta(seconds=1))
    assert digest_updates(ack(sim, "ML-2026-0002", T0 + minutes(1))) == []


def test_without_flood_control_an_ack_is_as_before() -> None:
    sim = Sim(cfg=replace(config(), coalesce_after=0))
    sim.report(T0)
    assert digest_updates(ack(sim, "ML-2026-0001", T0 + minutes(1))) == []
