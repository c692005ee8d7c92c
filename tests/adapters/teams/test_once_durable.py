"""Issue 14 (Teams): the welcome and the 「個別チャットに送りました」 note are said once — across
replicas and restarts (a durable row shared through the database, ``Host.once``), not per process.
Before, each process remembered them in memory: Teams announcing one install twice to two replicas,
or once before and once after a restart, welcomed twice."""

from __future__ import annotations

from typing import Any

from bot.core.config import OrgConfig
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot, make_bot
from tests.adapters.teams.test_scenario import SATO, TANAKA, install_everyone, report
from tests.support.jsontree import nodes


def _welcomes(c: fakes.FakeConnector, conversation: str) -> list[Any]:
    return [x for x in c.to(conversation) if "mynaleak を追加しました" in x.text()]


async def test_two_replicas_welcome_one_install_once(db_url: str, teams_org: OrgConfig, clock: Any, connector: fakes.FakeConnector) -> None:
    a, ca = await make_bot(db_url, teams_org, clock, connector)
    b, cb = await make_bot(db_url, teams_org, clock, connector)
    try:
        url = connector.url
        assert await a.post(fakes.installed(url, SATO, fakes.personal("aad-sato"))) == 201
        assert await b.post(fakes.added_to_team(url, SATO, fakes.personal("aad-sato"))) == 201  # the same install, to the other replica
        assert len(_welcomes(connector, "a:personal-aad-sato")) == 1
        # a team install, told to both replicas
        assert await b.post(fakes.added_to_team(url, SATO, fakes.in_channel())) == 201
        assert await a.post(fakes.installed(url, SATO, fakes.in_channel())) == 201
        assert len([x for x in connector.calls if x.conversation == fakes.CHANNEL and "@mynaleak report" in x.text()]) == 1
    finally:
        for bot, client in ((a, ca), (b, cb)):
            await client.close()
            await bot.app.close()


async def test_a_restart_does_not_welcome_again_but_a_reinstall_later_does(
    db_url: str, teams_org: OrgConfig, clock: Any, connector: fakes.FakeConnector
) -> None:
    url = connector.url
    first, c1 = await make_bot(db_url, teams_org, clock, connector)
    assert await first.post(fakes.installed(url, SATO, fakes.personal("aad-sato"))) == 201
    await c1.close()
    await first.app.close()
    second, c2 = await make_bot(db_url, teams_org, clock, connector)  # a new process: nothing in memory
    try:
        assert await second.post(fakes.added_to_team(url, SATO, fakes.personal("aad-sato"))) == 201
        assert len(_welcomes(connector, "a:personal-aad-sato")) == 1
        clock.advance(hours=1)  # removed and added again much later: welcomed again
        assert await second.post(fakes.installed(url, SATO, fakes.personal("aad-sato"))) == 201
        assert len(_welcomes(connector, "a:personal-aad-sato")) == 2
    finally:
        await c2.close()
        await second.app.close()


async def test_the_private_chat_note_is_said_once_across_replicas(
    db_url: str, teams_org: OrgConfig, clock: Any, connector: fakes.FakeConnector
) -> None:
    a, ca = await make_bot(db_url, teams_org, clock, connector)
    b, cb = await make_bot(db_url, teams_org, clock, connector)
    try:
        url = await install_everyone(a)
        await report(a, url)
        thread = next(x for x in {k.conversation for k in connector.calls} if x.startswith(fakes.CHANNEL + ";messageid="))
        root_id = thread.split("=")[1]
        step1 = next(x for x in connector.to(thread, "send") if "item:na" in x.text())
        na = next(el for n in nodes(step1.card) for el in n.get("actions", []) if el["data"]["action"] == "item:na")
        before = len(connector.calls)
        for bot in (a, b):  # Tanaka presses twice within a minute; each press lands on another replica
            assert await bot.post(fakes.submit(url, TANAKA, na["data"], fakes.in_channel(root_id), reply_to=step1.result_id)) == 201
        new = connector.calls[before:]
        assert len([x for x in new if x.conversation == "a:personal-aad-tanaka"]) == 2  # the form, each time
        pointers = [x for x in new if x.conversation == thread and "個別チャット" in x.text()]
        assert len(pointers) == 1, [x.text() for x in pointers]
        clock.advance(minutes=2)  # later, it is said again
        assert await b.post(fakes.submit(url, TANAKA, na["data"], fakes.in_channel(root_id), reply_to=step1.result_id)) == 201
        assert len([x for x in connector.calls[before:] if x.conversation == thread and "個別チャット" in x.text()]) == 2
    finally:
        for bot, client in ((a, ca), (b, cb)):
            await client.close()
            await bot.app.close()


__all__ = ["Bot"]
