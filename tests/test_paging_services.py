"""Pages through PagerDuty (Events API v2) and the signed webhook, through the real application (the
playground as chat, on SQLite and PostgreSQL) against a fake paging service on loopback (port 0): the
documented request shapes; trigger → acknowledgement from chat → resolve with the same dedup key and
nothing after; a 500 retried; a 400 refused and the step skipped at once; policy timing; closing resolves;
the organisation file's new keys checked with clear messages."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import pytest

from bot.core.config import ConfigError, parse_org
from bot.core.paging import PageRule
from bot.pagerduty import SEVERITY
from tests.conftest import Clock
from tests.contract.drivers import contract_org, driver_module
from tests.contract.test_contract import of, report
from tests.support.paging_fake import FakePaging, pd_problems

PUBLIC = "https://bot.example.jp"
KEY = "test-webhook-key-0123456789abcdef"
RK = "R0UTEmanagerKEY"


class Bot:
    def __init__(self, chat: Any, fake: FakePaging):
        self.chat, self.fake = chat, fake

    async def incident(self, inc: str) -> Any:
        async with self.chat.app.store.tx() as tx:
            loaded = await tx.load(inc)
        assert loaded is not None
        return loaded.incident

    async def tick(self, clock: Clock, **delta: float) -> None:
        clock.advance(**delta)
        await self.chat.app.ticker.tick()
        await self.chat.settle()

    def notes(self) -> list[str]:
        return [r.text for r in of(self.chat, "post") if r.thread]


@asynccontextmanager
async def running(db_url: str, clock: Clock, page: tuple[PageRule, ...] = ()) -> AsyncIterator[Bot]:
    fake = await FakePaging().start()
    org = contract_org()
    manager = replace(org.people["manager"], pagerduty=RK, webhook=f"{fake.url}/hook/manager", page=page)
    chat = driver_module("playground").DRIVER()
    env = {"MYNALEAK_PAGERDUTY_URL": f"{fake.url}/v2/enqueue", "MYNALEAK_WEBHOOK_KEY": KEY, "MYNALEAK_PUBLIC_URL": PUBLIC}
    await chat.start(db_url, replace(org, people={**org.people, "manager": manager}), clock, env=env)
    try:
        yield Bot(chat, fake)
    finally:
        await chat.stop()
        await fake.stop()


@pytest.fixture
async def bot(db_url: str, clock: Clock) -> AsyncIterator[Bot]:
    async with running(db_url, clock) as b:
        yield b


@pytest.fixture
async def only_pd(db_url: str, clock: Clock) -> AsyncIterator[Bot]:
    async with running(db_url, clock, (PageRule("pagerduty"),)) as b:
        yield b


@pytest.fixture
async def pd_later(db_url: str, clock: Clock) -> AsyncIterator[Bot]:
    async with running(db_url, clock, (PageRule("chat"), PageRule("pagerduty", 3))) as b:
        yield b


async def ack_from_chat(bot: Bot, inc: str) -> None:
    dm = of(bot.chat, "dm", "manager")[0]
    value = next(v for a, v in dm.buttons if a == "ack")
    assert await bot.chat.press("manager", "ack", value, dm.ref) in (200, 204)
    await bot.chat.settle()


async def test_trigger_then_an_ack_from_chat_resolves_with_the_same_key(bot: Bot, clock: Clock) -> None:
    inc = await report(bot.chat, clock)
    severity = (await bot.incident(inc)).severity
    (trigger,) = bot.fake.pd_events(RK, "trigger")
    assert not pd_problems(trigger)
    assert (trigger["routing_key"], trigger["event_action"], trigger["dedup_key"]) == (RK, "trigger", inc)
    payload = trigger["payload"]
    assert inc in payload["summary"] and "重大度" in payload["summary"]
    assert payload["severity"] == SEVERITY[severity] and payload["source"] == "bot.example.jp"
    ack_url = payload["custom_details"].pop("ack_url")
    assert payload["custom_details"] == {"incident": inc, "severity": severity, "step": 1, "attempt": 1}
    assert ack_url.startswith(f"{PUBLIC}/ack/") and trigger["links"] == [{"href": ack_url, "text": "確認する"}]
    assert "USBメモリ" not in json.dumps(trigger, ensure_ascii=False)  # the facts stay in the thread

    (hook,) = bot.fake.hooks("manager", "page")
    body = hook.body
    assert set(body) == {"event", "incident", "severity", "step", "attempt", "summary", "ack_url", "at"}
    assert (body["incident"], body["severity"], body["step"], body["attempt"]) == (inc, severity, 1, 1)
    assert body["ack_url"].startswith(f"{PUBLIC}/ack/") and body["ack_url"] != ack_url  # a link of its own
    stamp = hook.headers["X-Mynaleak-Timestamp"]
    expected = "sha256=" + hmac.new(KEY.encode(), stamp.encode() + b"." + hook.raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(hook.headers["X-Mynaleak-Signature"], expected)
    assert hook.headers["X-Mynaleak-Event"] == "page"

    await ack_from_chat(bot, inc)
    resolves = bot.fake.pd_events(RK, "resolve")
    assert resolves and all(e == {"routing_key": RK, "event_action": "resolve", "dedup_key": inc} for e in resolves)
    (resolved,) = bot.fake.hooks("manager", "resolve")
    assert resolved.body["incident"] == inc and resolved.body["ack_url"] is None
    assert (
        resolved.headers["X-Mynaleak-Signature"]
        == "sha256="
        + hmac.new(KEY.encode(), resolved.headers["X-Mynaleak-Timestamp"].encode() + b"." + resolved.raw, hashlib.sha256).hexdigest()
    )

    before = len(bot.fake.requests)
    for _ in range(3):  # the step's wait and the next step's: nothing more is paged after the ack
        await bot.tick(clock, minutes=5, seconds=1)
    assert len(bot.fake.requests) == before


async def test_closing_an_unanswered_incident_resolves_its_alert(bot: Bot, clock: Clock) -> None:
    inc = await report(bot.chat, clock)
    assert bot.fake.pd_events(RK, "trigger")
    assert await bot.chat.send_command("manager", f"close {inc} 誤報") in (200, 204)
    await bot.chat.settle()
    assert bot.fake.pd_events(RK, "resolve") and bot.fake.hooks("manager", "resolve")


async def test_a_500_is_retried_with_backoff(bot: Bot, clock: Clock) -> None:
    bot.fake.fail = 2  # the first PagerDuty event and the first webhook call fail
    await report(bot.chat, clock)
    assert len(bot.fake.rejected) == 2
    assert not bot.fake.pd_events(RK, "trigger") or not bot.fake.hooks("manager", "page")
    await bot.tick(clock, seconds=5)
    assert len(bot.fake.pd_events(RK, "trigger")) == 1 and len(bot.fake.hooks("manager", "page")) == 1
    assert not any("届けられませんでした" in n for n in bot.notes())  # a retried page is not a failed one


async def test_a_400_is_refused_for_good_and_the_unreachable_step_skipped_at_once(only_pd: Bot, clock: Clock) -> None:
    only_pd.fake.refuse.add(RK)
    inc = await report(only_pd.chat, clock)
    assert [r.body["event_action"] for r in only_pd.fake.rejected] == ["trigger"]  # tried once, never again
    assert not of(only_pd.chat, "dm", "manager")  # paged by PagerDuty only
    assert len(of(only_pd.chat, "dm", "deputy")) == 1  # step 2 at once, not after the 5 minutes
    notes = only_pd.notes()
    assert any("届けられませんでした" in n and "佐藤 花子 さん" in n for n in notes)
    assert any("第1段階" in n and "次の段階" in n for n in notes)
    assert RK not in "".join(notes)  # the routing key stays out of the thread
    await only_pd.tick(clock, seconds=30)
    assert len(only_pd.fake.rejected) == 1 and (await only_pd.incident(inc)).escalation.step == 1


async def test_after_minutes_holds_pagerduty_back_and_an_ack_before_it_stops_it(pd_later: Bot, clock: Clock) -> None:
    inc = await report(pd_later.chat, clock)
    assert not pd_later.fake.pd_events(RK) and len(of(pd_later.chat, "dm", "manager")) == 1
    await pd_later.tick(clock, minutes=2)
    assert not pd_later.fake.pd_events(RK)
    await pd_later.tick(clock, minutes=1, seconds=1)
    (trigger,) = pd_later.fake.pd_events(RK, "trigger")
    assert trigger["dedup_key"] == inc
    assert any("PagerDuty" in n and "佐藤 花子 さん" in n for n in pd_later.notes())

    second = await report(pd_later.chat, clock)
    dm = [r for r in of(pd_later.chat, "dm", "manager") if any(a == "ack" and v.startswith(second) for a, v in r.buttons)][0]
    assert await pd_later.chat.press("manager", "ack", next(v for a, v in dm.buttons if a == "ack"), dm.ref) in (200, 204)
    await pd_later.chat.settle()
    await pd_later.tick(clock, minutes=3, seconds=1)
    assert not [e for e in pd_later.fake.requests if e.body.get("dedup_key") == second]  # never triggered, nothing to resolve


def org(person: dict[str, Any]) -> dict[str, Any]:
    return {
        "people": {"sato": {"name": "佐藤", "playground": "sato", **person}},
        "incident_channel": {"playground": "general"},
        "escalation": {"steps": [{"people": ["sato"], "wait_minutes": 5}]},
    }


@pytest.mark.parametrize(
    ("person", "message"),
    [
        ({"pagerduty": "no spaces allowed"}, "people.sato.pagerduty: expected the routing key"),
        ({"webhook": "http://pager.example.jp/hook"}, "people.sato.webhook: expected an https:// URL"),
        ({"webhook": "ftp://pager.example.jp"}, "people.sato.webhook: expected an https:// URL"),
        ({"page": [{"via": "pagerduty"}]}, "people.sato.page[0]: via pagerduty needs the person's pagerduty: routing key"),
        ({"page": [{"via": "webhook", "after_minutes": 2}]}, "people.sato.page[0]: via webhook needs the person's webhook: URL"),
        ({"page": [{"via": "sms"}]}, "people.sato.page[0].via: expected one of chat, email, pagerduty, webhook"),
    ],
)
def test_check_config_explains_the_new_keys(person: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_org(org(person), platforms=["playground"])
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems


def test_the_new_keys_are_read() -> None:
    cfg = parse_org(
        org({"pagerduty": "R0UTE0123456789", "webhook": "https://pager.example.jp/hook", "page": [{"via": "webhook", "after_minutes": 1}]}),
        platforms=["playground"],
    )
    (step,) = cfg.chain_for("playground")
    assert [(r.via, r.to.key, r.after_minutes) for r in step.paths()] == [("webhook", "https://pager.example.jp/hook", 1)]
    default = parse_org(org({"pagerduty": "R0UTE0123456789"}), platforms=["playground"])
    assert [r.via for r in default.chain_for("playground")[0].paths()] == ["chat", "pagerduty"]  # every channel, at once


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MYNALEAK_WEBHOOK_KEY": "short"}, "MYNALEAK_WEBHOOK_KEY: use a random secret of at least 16 characters"),
        ({"MYNALEAK_PAGERDUTY_URL": "events.pagerduty.com"}, "MYNALEAK_PAGERDUTY_URL: expected the Events API v2 URL"),
        ({"MYNALEAK_PUBLIC_URL": "bot.example.jp"}, "MYNALEAK_PUBLIC_URL: expected where the bot is reachable"),
    ],
)
def test_check_config_explains_the_paging_settings(env: dict[str, str], message: str) -> None:
    from tests.test_cli import ROOT, cli

    run = cli("check-config", env={"MYNALEAK_CONFIG": str(ROOT / "mynaleak.sample.yml"), **env})
    assert run.returncode == 2 and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
