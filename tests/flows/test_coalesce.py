"""Flood control (flows.coalesce): a burst of reports pages each person at most ``after_pages`` times
per window and tells them of the rest in one digest, updated in place; every report is still an
incident that is carded and escalates; the reporter and the channel are told.

The flows are driven the way the runtime drives them: every ``Mark`` an event returns becomes a row of
the recent-paging log (with the event's time and incident), which the next event is given."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import pytest

from bot.core.config import ConfigError, OrgConfig
from bot.core.effects import Effect, Mark, Notify, Post, Reply, StartTimer, Update
from bot.core.events import ButtonPressed, CommandInvoked, DeliveryFailed, FormSubmitted, TimerFired
from bot.core.i18n import t
from bot.core.model import Incident, PageMark, PlaceRef, UserRef
from bot.core.views import plain
from flows import State, needs
from tests.flows.helpers import (
    DM,
    GOOD,
    ORG,
    SATO,
    SUZUKI,
    T0,
    command,
    config,
    escalation_timer,
    handle,  # flows.handle, with the cards drawn when sent drawn
    minutes,
    of,
    press,
)

FLOODER = UserRef("playground", "flooder", "名無し")  # not in the organisation file
OTHER = UserRef("playground", "kobayashi", "小林")


@dataclass
class Sim:
    """The runtime's part: incident numbers, the log, each incident's latest state."""

    cfg: OrgConfig = field(default_factory=config)
    marks: list[PageMark] = field(default_factory=list)
    incidents: dict[str, Incident] = field(default_factory=dict)
    effects: dict[str, list[Effect]] = field(default_factory=dict)  # by incident, in order

    def _loaded(self, now: datetime) -> tuple[PageMark, ...]:
        since = now - 2 * timedelta(minutes=self.cfg.coalesce_window_minutes)
        return tuple(m for m in self.marks if m.at > since)

    def _record(self, inc: Incident, effects: list[Effect], now: datetime) -> None:
        self.marks += [PageMark(e.kind, e.who, now, inc.id, e.tag, e.name) for e in effects if isinstance(e, Mark)]
        self.incidents[inc.id] = inc
        self.effects.setdefault(inc.id, []).extend(effects)

    def report(self, now: datetime, who: UserRef = FLOODER) -> tuple[Incident, list[Effect]]:
        new_id = f"ML-2026-{len(self.incidents) + 1:04d}"
        event = FormSubmitted(who, "report", dict(GOOD), place=DM)
        inc, effects = handle(State(new_id=new_id, marks=self._loaded(now)), event, now, self.cfg)
        assert inc is not None, effects
        self._record(inc, effects, now)
        return inc, effects

    def fire(self, inc_id: str, now: datetime) -> list[Effect]:
        inc = self.incidents[inc_id]
        new, effects = handle(State(incident=inc, marks=self._loaded(now)), escalation_timer(inc), now, self.cfg)
        self._record(new or inc, effects, now)
        return effects

    def flood(self, n: int, every: timedelta, start: datetime = T0, who: UserRef = FLOODER) -> list[list[Effect]]:
        return [self.report(start + every * i, who)[1] for i in range(n)]


def dms(effects: list[Effect], user: UserRef) -> list[Notify]:
    return [e for e in effects if isinstance(e, Notify) and e.user.same(user)]


def count(runs: list[list[Effect]], user: UserRef) -> dict[str, int]:
    flat = [e for eff in runs for e in eff]
    notes = dms(flat, user)
    return {
        "pages": sum(1 for n in notes if n.tag.startswith("page:")),
        "digests": sum(1 for n in notes if n.tag.startswith("digest:")),
        "updates": sum(1 for e in flat if isinstance(e, Update) and e.tag.startswith("digest:")),
        "folds": sum(1 for e in flat if isinstance(e, Mark) and e.kind == "fold" and e.who == "playground:" + user.key),
    }


def bursts(runs: list[list[Effect]]) -> tuple[int, int]:
    flat = [e for eff in runs for e in eff]
    return sum(1 for e in flat if isinstance(e, Post) and e.tag == "burst"), sum(
        1 for e in flat if isinstance(e, Update) and e.tag == "burst"
    )


@pytest.mark.parametrize(
    ("n", "every", "want", "burst"),
    [
        (5, timedelta(seconds=1), {"pages": 5, "digests": 0, "updates": 0, "folds": 0}, (0, 0)),
        (6, timedelta(seconds=1), {"pages": 5, "digests": 1, "updates": 0, "folds": 1}, (1, 0)),
        (30, timedelta(seconds=0.1), {"pages": 5, "digests": 1, "updates": 24, "folds": 25}, (1, 24)),
        # one a minute: 0–4 paged; 5 starts the digest; 6–10 update it (the page at 0 left the window at 10,
        # but the digest counts); from 11 fewer than five pages and digests are in the window: paged again
        (15, timedelta(minutes=1), {"pages": 9, "digests": 1, "updates": 5, "folds": 6}, (1, 9)),
        # slower than the limit: never folded
        (12, timedelta(minutes=2, seconds=1), {"pages": 12, "digests": 0, "updates": 0, "folds": 0}, (0, 0)),
    ],
    ids=["5 in 5 s", "6 in 6 s", "30 in 3 s", "15 in 15 min", "12 in 24 min"],
)
def test_the_window_rule(n: int, every: timedelta, want: dict[str, int], burst: tuple[int, int]) -> None:
    sim = Sim()
    runs = sim.flood(n, every)
    assert len(sim.incidents) == n  # never drop a report
    assert count(runs, SATO) == want
    assert bursts(runs) == burst
    # every incident has its card, its step cards and its escalation timer, folded or not
    for eff in runs:
        assert [p for p in of(eff, Post) if p.tag == "card"]
        assert len([p for p in of(eff, Post) if p.tag.startswith("step:")]) == len(sim.cfg.checklist)
        assert [s for s in of(eff, StartTimer) if s.kind == "escalate"]


def test_a_new_digest_once_the_last_one_left_the_window() -> None:
    sim = Sim()
    runs = sim.flood(7, timedelta(seconds=1)) + sim.flood(7, timedelta(seconds=1), start=T0 + minutes(12))
    assert count(runs, SATO) == {"pages": 10, "digests": 2, "updates": 2, "folds": 4}


def test_the_digest_is_one_page_updated_in_place_listing_incidents_and_reporters() -> None:
    sim = Sim()
    runs = sim.flood(8, timedelta(seconds=0.1)) + sim.flood(2, timedelta(seconds=0.1), start=T0 + minutes(1), who=OTHER)
    (digest,) = [n for eff in runs for n in dms(eff, SATO) if n.tag.startswith("digest:")]
    owner = next(i for i, eff in sim.effects.items() if digest in eff)
    assert owner == "ML-2026-0006" and digest.view.buttons == ()  # acknowledging is done on each card
    assert "1" in digest.view.title and "ML-2026-0006" in digest.view.fields[0].value
    updates = [e for eff in runs for e in eff if isinstance(e, Update) and e.tag == digest.tag]
    assert len(updates) == 4  # incidents 7–10: no new notification, the same message changes
    assert all(u.incident_id == owner for u in updates)  # the digest is the message of the incident that sent it
    last = updates[-1].view
    assert t("flood.digest_title", "ja", n=5) == last.title
    assert last.fields[0].value == ", ".join(f"ML-2026-{i:04d}" for i in range(6, 11))
    assert last.fields[1].value == "名無し さん（3件）、小林 さん（2件）"
    # the thread of a folded incident says why its step-1 person got no page of its own
    thread = [p.view.text for p in of(sim.effects["ML-2026-0008"], Post) if p.thread_of == "card"]
    assert any("佐藤" in x and "まとめ通知" in x for x in thread)


def test_the_reporter_is_told_when_responders_got_a_digest() -> None:
    sim = Sim()
    runs = sim.flood(7, timedelta(seconds=1))
    told = [any(t("intake.digest", "ja") in r.view.text for r in of(eff, Reply) if r.user == FLOODER) for eff in runs]
    assert told == [False] * 5 + [True] * 2
    assert all(len(of(eff, Reply)) == 1 for eff in runs)  # in the confirmation: no extra message


def test_the_channel_shows_the_burst_once_then_updates_it() -> None:
    sim = Sim()
    runs = sim.flood(6, timedelta(seconds=20)) + sim.flood(3, timedelta(seconds=20), start=T0 + minutes(2), who=OTHER)
    (note,) = [p for eff in runs for p in of(eff, Post) if p.tag == "burst"]
    assert note.place == PlaceRef("playground", "incidents") and not note.thread_of  # in the channel, not a thread
    assert "2分間に6件" in note.view.text and "名無し さん（6件）" in plain(note.view.text)
    last = [u for eff in runs for u in of(eff, Update) if u.tag == "burst"][-1]
    assert last.incident_id == "ML-2026-0006"
    assert "3分間に9件" in last.view.text and "名無し さん（6件）、小林 さん（3件）" in plain(last.view.text)
    assert "ML-2026-0001" in last.view.text and "ML-2026-0009" in last.view.text


def test_later_steps_follow_the_same_rule_and_every_incident_escalates() -> None:
    sim = Sim()
    sim.flood(30, timedelta(seconds=0.1))
    later = T0 + minutes(5) + timedelta(seconds=5)
    runs = [sim.fire(i, later + timedelta(seconds=0.1 * n)) for n, i in enumerate(sorted(sim.incidents))]
    assert count(runs, SUZUKI) == {"pages": 5, "digests": 1, "updates": 24, "folds": 25}
    assert not [e for eff in runs for e in dms(eff, SATO)]  # step 1 is not paged again
    assert all(inc.escalation.step == 1 for inc in sim.incidents.values())
    assert all(of(eff, StartTimer) for eff in runs)
    # a digest is per person: suzuki's is not sato's
    tags = {e.tag for eff in runs for e in eff if isinstance(e, Update) and e.tag.startswith("digest:")}
    assert tags == {"digest:1:1:0:0"}


def test_a_folded_incident_is_acknowledged_from_its_card() -> None:
    sim = Sim()
    sim.flood(8, timedelta(seconds=0.1))
    inc = sim.incidents["ML-2026-0008"]
    assert inc.escalation.pages == ()  # sato got no page for it: nothing to update on ack
    acked, eff = handle(State(incident=inc), press(SATO, "ack", inc.id), T0 + minutes(1), sim.cfg)
    assert acked is not None and acked.escalation.status == "acked"
    assert [u.tag for u in of(eff, Update)] == ["card"]  # the digest is left alone
    timer = handle(State(incident=acked, marks=()), escalation_timer(acked), T0 + minutes(5), sim.cfg)
    assert timer == (None, [])  # and it stops escalating


@pytest.mark.parametrize(
    ("coalesce", "pages", "digests", "at_most"),
    [
        ({"after_pages": 0}, 30, 0, None),  # off: a page each
        ({"after_pages": 10}, 10, 1, None),
        # a one-minute window: in any minute at most two pages and one digest, so several digests in 5 minutes
        ({"after_pages": 2, "window_minutes": 1}, None, None, 3),
    ],
    ids=["off", "10 in 10 minutes", "2 a minute"],
)
def test_the_limits_come_from_the_organisation_file(coalesce: dict, pages: int | None, digests: int | None, at_most: int | None) -> None:
    sim = Sim(cfg=config(escalation={**ORG["escalation"], "coalesce": coalesce}))
    runs = sim.flood(30, timedelta(seconds=10))  # 30 reports over 5 minutes
    got = count(runs, SATO)
    if pages is not None:
        assert (got["pages"], got["digests"]) == (pages, digests)
    if at_most is not None:
        sent = [T0 + timedelta(seconds=10 * i) for i, eff in enumerate(runs) for _ in dms(eff, SATO)]
        assert max(sum(1 for s in sent if x - minutes(1) < s <= x) for x in sent) == at_most
        assert got["digests"] >= 2 and got["pages"] + got["folds"] == 30


@pytest.mark.parametrize(
    "bad",
    [{"after_pages": -1}, {"after_pages": "five"}, {"window_minutes": 0}, "often"],
    ids=["negative", "text", "zero window", "not a mapping"],
)
def test_bad_limits_are_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="coalesce"):
        config(escalation={**ORG["escalation"], "coalesce": bad})


def test_drills_are_left_out() -> None:
    sim = Sim()
    runs = sim.flood(6, timedelta(seconds=1))
    inc, eff = handle(State(new_id="ML-DRILL-2026-0001", marks=tuple(sim.marks)), command(SATO, "drill"), T0 + minutes(1), sim.cfg)
    assert inc is not None and inc.drill
    assert of(eff, Notify) and not of(eff, Mark) and not [e for e in of(eff, Update) if e.tag.startswith("digest:")]
    assert count(runs, SATO)["digests"] == 1


def test_a_digest_that_cannot_be_delivered_is_reported_in_the_thread() -> None:
    sim = Sim()
    sim.flood(6, timedelta(seconds=1))
    inc = sim.incidents["ML-2026-0006"]
    failed = DeliveryFailed(inc.id, "digest:1:0:0:0", SATO, "user_not_found", final=True)
    _, eff = handle(State(incident=inc), failed, T0 + minutes(1), sim.cfg)
    assert any("届けられませんでした" in p.view.text for p in of(eff, Post))


@pytest.mark.parametrize(
    ("event", "marks"),
    [
        (FormSubmitted(FLOODER, "report", {}), True),
        (TimerFired("ML-2026-0001", "escalate", "e1-s0-a0"), True),
        (TimerFired("ML-2026-0001", "remind", "digest"), False),
        (ButtonPressed(SATO, "page", "ML-2026-0001"), True),
        (ButtonPressed(SATO, "ack", "ML-2026-0001"), True),  # updates the flood digests listing it
        (CommandInvoked(SATO, DM, "page ML-2026-0001"), True),
        (CommandInvoked(SATO, DM, "drill"), True),
        (CommandInvoked(SATO, DM, "close ML-2026-0001"), False),
        (TimerFired("ML-2026-0001", "page_route", "e1-s0-a0-p0-email"), True),
        (DeliveryFailed("ML-2026-0001", "page:1:0:0:0", SATO, "x"), True),  # an unreachable step pages the next at once
        (DeliveryFailed("ML-2026-0001", "page:1:0:0:0", SATO, "x", final=False), False),
    ],
    ids=[
        "report",
        "escalation timer",
        "reminder",
        "page again",
        "ack",
        "page command",
        "drill",
        "close",
        "later channel",
        "delivery failed",
        "delivery delayed",
    ],  # fmt: skip
)
def test_events_that_may_page_load_the_log(event: object, marks: bool) -> None:
    assert needs(event).marks is marks  # type: ignore[arg-type]


def test_restarting_the_chain_follows_the_rule() -> None:
    sim = Sim()
    sim.flood(5, timedelta(seconds=1))
    inc = sim.incidents["ML-2026-0001"]
    inc = replace(inc, escalation=replace(inc.escalation, status="exhausted"))
    new, eff = handle(State(incident=inc, marks=tuple(sim.marks)), press(SATO, "page", inc.id), T0 + minutes(1), sim.cfg)
    assert new is not None and new.escalation.id == 2
    (digest,) = dms(eff, SATO)
    assert digest.tag == "digest:2:0:0:0" and new.escalation.pages == inc.escalation.pages  # no new page to update on ack
