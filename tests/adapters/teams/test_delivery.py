"""Connector failures → DeliveryError, one HTTP attempt each (the outbox owns retries)."""

from __future__ import annotations

import json

import pytest

from bot.core.model import MessageRef, PlaceRef, UserRef
from bot.core.platform import DeliveryError
from bot.core.views import Card
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot

SATO = UserRef("teams", "aad-sato", "佐藤 花子")
CARD = Card(title="ML-2026-0001", text="呼び出し")


async def _installed(bot: Bot) -> None:
    url = bot.connector.url
    assert await bot.post(fakes.installed(url, fakes.person("aad-sato"), fakes.personal("aad-sato"))) == 201
    assert await bot.post(fakes.added_to_team(url, fakes.person("aad-sato"), fakes.in_channel())) == 201


@pytest.mark.parametrize(
    ("status", "headers", "permanent", "retry_after"),
    [
        (429, {"Retry-After": "7"}, False, 7.0),
        (429, {}, False, 1.0),
        (503, {"Retry-After": "3"}, False, 3.0),
        (500, {}, False, None),
        (502, {}, False, None),
        (403, {}, True, None),
        (404, {}, True, None),
        (400, {}, True, None),
    ],
)
@pytest.mark.parametrize("op", ["send", "update"])
async def test_connector_errors_map_to_delivery_errors(bot: Bot, op: str, status: int, headers: dict, permanent: bool,
                                                       retry_after: float | None) -> None:  # fmt: skip
    await _installed(bot)
    adapter = bot.app.adapters["teams"]
    ref = await adapter.notify(SATO, CARD)
    bot.connector.fail.append((op, status, headers))
    before = len(bot.connector.attempts)
    with pytest.raises(DeliveryError) as err:
        await (adapter.notify(SATO, CARD) if op == "send" else adapter.update(ref, CARD))
    assert err.value.permanent is permanent
    assert err.value.retry_after == retry_after
    assert bot.connector.attempts[before:] == [op]  # botbuilder/msrest/urllib3 did not retry on their own
    await (adapter.notify(SATO, CARD) if op == "send" else adapter.update(ref, CARD))  # the next attempt goes through
    assert bot.connector.attempts[before:] == [op, op]


async def test_unreachable_connector_is_transient(bot: Bot) -> None:
    adapter = bot.app.adapters["teams"]
    await _installed(bot)
    await bot.connector.close()
    with pytest.raises(DeliveryError) as err:
        await adapter.notify(SATO, CARD)
    assert not err.value.permanent


async def test_never_installed_is_permanent_and_says_so(bot: Bot) -> None:
    adapter = bot.app.adapters["teams"]
    with pytest.raises(DeliveryError) as err:
        await adapter.notify(UserRef("teams", "aad-nobody", "無名 氏"), CARD)
    assert err.value.permanent and "無名 氏" in str(err.value) and "追加していない" in str(err.value)
    assert bot.connector.attempts == []


async def test_blocked_member_is_permanent(bot: Bot) -> None:
    url = bot.connector.url
    assert await bot.post(fakes.added_to_team(url, fakes.person("aad-sato"), fakes.in_channel())) == 201
    bot.connector.gone.add("29:1aad-sato")
    with pytest.raises(DeliveryError) as err:
        await bot.app.adapters["teams"].notify(SATO, CARD)
    assert err.value.permanent and "佐藤 花子" in str(err.value)


async def test_post_update_and_thread_reply(bot: Bot) -> None:
    await _installed(bot)
    adapter = bot.app.adapters["teams"]
    root = await adapter.post(PlaceRef("teams", fakes.CHANNEL), CARD)
    key = json.loads(root.key)
    assert key["conversation"] == fakes.CHANNEL and key["service_url"] == bot.connector.url
    reply = await adapter.post(PlaceRef("teams", fakes.CHANNEL), Card(title="スレッド"), thread=root)
    assert json.loads(reply.key)["conversation"] == f"{fakes.CHANNEL};messageid={key['activity_id']}"
    await adapter.update(root, Card(title="更新", tone="success"))
    upd = bot.connector.by_id(key["activity_id"])
    assert len(upd) == 1 and upd[0].conversation == fakes.CHANNEL and "更新" in upd[0].text()
    bot.connector.fail.append(("update", 404, {}))
    with pytest.raises(DeliveryError) as err:
        await adapter.update(MessageRef("teams", root.key), CARD)
    assert err.value.permanent


async def test_unknown_channel_is_permanent(bot: Bot) -> None:
    with pytest.raises(DeliveryError) as err:
        await bot.app.adapters["teams"].post(PlaceRef("teams", "19:unknown@thread.tacv2"), CARD)
    assert err.value.permanent


async def test_throttled_page_is_retried_by_the_outbox_after_retry_after(bot: Bot) -> None:
    from tests.adapters.teams.test_scenario import REPORT, YAMADA, install_everyone

    url = await install_everyone(bot)
    c = bot.connector
    assert await bot.post(fakes.message(url, YAMADA, "report", fakes.personal("aad-yamada"))) == 201
    data = c.to("a:personal-aad-yamada", "send")[-1].card["actions"][0]["data"]
    c.fail.append(("send", 429, {"Retry-After": "30"}))  # the page is sent first
    assert await bot.post(fakes.submit(url, YAMADA, {**data, **REPORT}, fakes.personal("aad-yamada"), "f1")) == 201
    assert not c.to("a:personal-aad-sato") and c.to(fakes.CHANNEL)  # throttled page waits; the rest went out
    bot.app.runtime.clock.advance(seconds=10)  # type: ignore[attr-defined]
    await bot.app.ticker.tick()
    assert not c.to("a:personal-aad-sato")  # Retry-After honoured
    bot.app.runtime.clock.advance(seconds=25)  # type: ignore[attr-defined]
    await bot.app.ticker.tick()
    assert len(c.to("a:personal-aad-sato", "send")) == 1
    assert c.attempts.count("send") == len([x for x in c.calls if x.op == "send"]) + 1  # one failed attempt, no storm
