"""Paging services in the pure flows: a PagerDuty / webhook page is a machine-readable card (incident,
severity, step, attempt) saying no more than the DM; such pages are never folded into a flood digest (the
service groups its alerts itself: one per incident, by dedup key); the step's timing holds for them."""

from __future__ import annotations

from datetime import timedelta

from bot.core.effects import Notify, StartTimer
from bot.core.model import UserRef
from tests.flows.helpers import ORG, T0, config
from tests.flows.test_coalesce import Sim, count

KEY = "R0UTE0123456789"


def with_pagerduty(**sato: object) -> Sim:
    people = {**ORG["people"], "sato": {**ORG["people"]["sato"], "pagerduty": KEY, **sato}}  # type: ignore[dict-item]
    return Sim(cfg=config(people=people))


def test_a_pagerduty_page_carries_the_incident_and_severity_only() -> None:
    inc, effects = with_pagerduty().report(T0)
    (page,) = [e for e in effects if isinstance(e, Notify) and e.user.platform == "pagerduty"]
    assert page.user == UserRef("pagerduty", KEY, "佐藤") and page.tag.endswith(":pagerduty")
    fields = {f.label: f.value for f in page.view.fields}
    assert fields == {"incident": inc.id, "severity": inc.severity, "step": "1", "attempt": "1"}
    assert inc.id in page.view.title and "USBメモリ" not in str(page.view)
    assert [b.value for b in page.view.buttons if b.action == "ack"] == [f"{inc.id}|playground:sato"]


def test_service_pages_are_never_folded_into_a_digest() -> None:
    sim = with_pagerduty()
    runs = sim.flood(8, timedelta(seconds=1))
    chat = count(runs, UserRef("playground", "sato"))
    assert (chat["pages"], chat["digests"]) == (5, 1)  # chat: the flood rule
    pd = [e for eff in runs for e in eff if isinstance(e, Notify) and e.user.platform == "pagerduty"]
    assert len(pd) == 8 and all(e.tag.startswith("page:") for e in pd)


def test_after_minutes_arms_a_timer_for_the_service() -> None:
    _, effects = with_pagerduty(page=[{"via": "chat"}, {"via": "pagerduty", "after_minutes": 4}]).report(T0)
    assert not [e for e in effects if isinstance(e, Notify) and e.user.platform == "pagerduty"]
    (timer,) = [e for e in effects if isinstance(e, StartTimer) and e.kind == "page_route"]
    assert timer.key.endswith("-pagerduty") and timer.due_at == T0 + timedelta(minutes=4)
