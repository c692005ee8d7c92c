"""Building blocks for the pure flow tests: a config, a reported incident, event makers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import flows
from bot.core.config import OrgConfig
from bot.core.effects import Effect, Post
from bot.core.events import ButtonPressed, CommandInvoked, FormSubmitted, TimerFired
from bot.core.model import Incident, PlaceRef, UserRef
from bot.core.views import Later
from flows import State
from flows import later as flows_later
from tests.support.orgs import parse_org

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thursday 10:00 in Tokyo, a working day

ORG = {
    "organisation": "テスト株式会社",
    "people": {
        "sato": {"name": "佐藤", "playground": "sato"},
        "suzuki": {"name": "鈴木", "playground": "suzuki"},
        "takahashi": {"name": "高橋", "playground": "takahashi"},
        "tanaka": {"name": "田中", "playground": "tanaka"},
    },
    "incident_channel": {"playground": "incidents"},
    "escalation": {
        "steps": [
            {"people": ["sato"], "wait_minutes": 5},
            {"people": ["suzuki"], "wait_minutes": 10},
            {"people": ["takahashi"], "wait_minutes": 15},
        ],
        "repeat_last": 2,
    },
    "responders": ["tanaka"],
    "reminders": {"every_hours": 4, "snooze_hours": 24},
}


def config(**over: object) -> OrgConfig:
    return parse_org({**ORG, **over})


REPORTER = UserRef("playground", "yamada", "山田")
OUTSIDER = UserRef("playground", "outsider", "部外者")
SATO, SUZUKI, TAKAHASHI, TANAKA = (UserRef("playground", k) for k in ("sato", "suzuki", "takahashi", "tanaka"))
DM = PlaceRef("playground", "dm:yamada")

GOOD = {
    "summary": "経理担当者が帰宅途中にUSBメモリを紛失した",
    "discovered_at": "2026-11-26T09:30",
    "occurred_at": "2026-11-25T19:00",
    "medium": "removable",
    "people": "120",
    "people_max": "",
    "data_items": ("mynumber", "name"),
    "whose": "employees",
    "encrypted": "no",
    "exposed_online": "no",
    "wrongful_purpose": "unknown",
    "outsourcee": "no",
    "notes": "",
}


def drawn(effects: list[Effect], inc: Incident | None, now: datetime, cfg: OrgConfig, away: tuple = ()) -> list[Effect]:
    """The effects with the cards left to be drawn when sent (a new incident's card and checklist,
    ``flows.later``) drawn as the deliverer draws them, at ``now``: what people are shown."""
    out: list[Effect] = []
    for e in effects:
        if isinstance(e, Post) and isinstance(e.view, Later):
            assert inc is not None
            e = replace(e, view=flows_later.draw(e.view, inc, now, cfg, away))
        out.append(e)
    return out


def handle(state: State, event: object, now: datetime, cfg: OrgConfig, *args: Any, **kw: Any) -> tuple[Incident | None, list[Effect]]:
    """``flows.handle``, with what it leaves to be drawn when sent drawn (:func:`drawn`)."""
    inc, effects = flows.handle(state, event, now, cfg, *args, **kw)  # type: ignore[arg-type]
    return inc, drawn(effects, inc or state.incident, now, cfg, state.away)


def report(cfg: OrgConfig | None = None, now: datetime = T0, **values: object) -> tuple[Incident, list[Effect]]:
    cfg = cfg or config()
    inc, effects = handle(State(new_id="ML-2026-0001"), FormSubmitted(REPORTER, "report", {**GOOD, **values}, place=DM), now, cfg)
    assert inc is not None, effects
    return inc, effects


def step(inc: Incident, event: object, now: datetime, cfg: OrgConfig | None = None) -> tuple[Incident, list[Effect]]:
    """Apply one event; the incident stays the same object when nothing changed."""
    new, effects = handle(State(incident=inc), event, now, cfg or config())  # type: ignore[arg-type]
    return (new or inc), effects


def press(user: UserRef, action: str, value: str) -> ButtonPressed:
    return ButtonPressed(user, action, value)


def command(user: UserRef, text: str) -> CommandInvoked:
    return CommandInvoked(user, DM, text, trigger="t1")


def escalation_timer(inc: Incident) -> TimerFired:
    return TimerFired(inc.id, "escalate", inc.escalation.timer_key())  # the key is all it carries


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def of(effects: list[Effect], kind: type) -> list:
    return [e for e in effects if isinstance(e, kind)]


def exhausted(now: datetime = T0) -> tuple[Incident, datetime]:
    """A reported incident whose whole chain was paged (with repeats) and nobody acknowledged."""
    inc, _ = report(now=now)
    while inc.escalation.status == "paging":
        now += timedelta(minutes=30)
        inc, _ = step(inc, escalation_timer(inc), now)
    return inc, now


def submission(
    user: UserRef, inc: Incident, law: str = "mynumber", kind: str = "final", at: str = "2026-11-26T10:00", **more: str
) -> FormSubmitted:
    """The "Record a submission" form as submitted (flows.filing)."""
    values = {"law": law, "kind": kind, "submitted_at": at, "channel": "ppc_web", "receipt": "", **more}
    return FormSubmitted(user, "submission", values, context=inc.id)


def finish(inc: Incident, now: datetime = T0, cfg: OrgConfig | None = None) -> Incident:
    """Every item done: the 確報 of both laws recorded (which ticks the report item), the rest ticked."""
    for law in ("mynumber", "appi"):
        inc, _ = step(inc, submission(SATO, inc, law, at=now.isoformat()), now, cfg)
    for item in inc.items:
        if item.state == "open":
            inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|{item.id}"), now, cfg)
    return inc


# a complete `company:` section of the organisation file (the drafts' reporter and sender)
COMPANY = {
    "name": "テスト株式会社",
    "address": "東京都千代田区霞が関三丁目2番1号",
    "representative": "代表取締役 山本 太郎",
    "department": "総務部",
    "contact_person": "田中 美咲",
    "phone": "03-1234-5678",
    "email": "privacy@example.co.jp",
    "inquiry_desk": "テスト株式会社 個人情報お問い合わせ窓口（電話 0120-000-000、平日9時〜17時）",
}
