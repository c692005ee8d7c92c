"""The Teams adapter's HTTP: every connector call goes through one keep-alive session on the server's
loop, and the bot's AAD token is fetched once and reused until it nears expiry or the connector
refuses it (botbuilder alone opens a new connection and asks MSAL for every message)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from aiohttp import web
from botframework.connector.auth import MicrosoftAppCredentials

from bot.core.config import OrgConfig
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot, make_bot
from tests.adapters.teams.test_auth import APP_ID, OpenId


class PeerConnector(fakes.FakeConnector):
    """The fake connector, noting the client port of every request and the thread it came from."""

    def __init__(self) -> None:
        super().__init__()
        self.ports: list[int] = []

    async def _record(self, request: web.Request, op: str) -> Any:
        peer = request.transport.get_extra_info("peername") if request.transport else None
        self.ports.append(int(peer[1]) if peer else -1)
        return await super()._record(request, op)


class CountingToken:
    """Stands in for the AAD token endpoint (MSAL speaks https only): counts the fetches and the
    threads they ran on, and hands out JWTs that expire in ``lifetime`` seconds."""

    def __init__(self, lifetime: float = 3600) -> None:
        self.lifetime = lifetime
        self.fetches = 0
        self.threads: set[int] = set()

    def __call__(self, _creds: Any, force_refresh: bool = False) -> str:
        self.fetches += 1
        self.threads.add(threading.get_ident())
        return jwt.encode({"n": self.fetches, "exp": int(time.time() + self.lifetime)}, "k" * 32, algorithm="HS256")


@pytest.fixture
async def token(monkeypatch: pytest.MonkeyPatch) -> CountingToken:
    counting = CountingToken()
    monkeypatch.setattr(MicrosoftAppCredentials, "get_access_token", counting)
    return counting


async def _bot(db_url: str, org: OrgConfig, clock: Any, connector: fakes.FakeConnector, **env: str) -> AsyncIterator[Bot]:
    bot, client = await make_bot(db_url, org, clock, connector, **env)
    yield bot
    await client.close()
    await bot.app.close()


@pytest.fixture
async def peers() -> AsyncIterator[PeerConnector]:
    c = PeerConnector()
    await c.start()
    yield c
    await c.close()


async def _help_from(bot: Bot, url: str, n: int, token: Any = None) -> None:
    for i in range(n):
        who = fakes.person(f"aad-p{i}")
        conv = fakes.personal(who["aadObjectId"])
        assert await bot.post(fakes.installed(url, who, conv), token=token() if token else None) == 201
        assert await bot.post(fakes.message(url, who, "help", conv), token=token() if token else None) == 201


async def test_connector_calls_share_one_keep_alive_connection(db_url: str, teams_org: OrgConfig, clock: Any, peers: PeerConnector) -> None:
    async for bot in _bot(db_url, teams_org, clock, peers):
        await _help_from(bot, peers.url, 8)
        sends = [c for c in peers.calls if c.op == "send"]
        assert len(sends) >= 8  # every help answered
        # one session on the server's loop: the messages reuse a connection (botbuilder: one each)
        assert len(set(peers.ports)) <= 2, sorted(set(peers.ports))


async def test_token_fetched_once_off_the_loop_and_again_after_a_401(
    db_url: str, teams_org: OrgConfig, clock: Any, peers: PeerConnector, token: CountingToken
) -> None:
    openid = await OpenId().start()
    env = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret", "MICROSOFT_APP_TENANT_ID": fakes.TENANT,
           "MICROSOFT_OPENID_METADATA_URL": openid.url + "openid"}  # fmt: skip
    try:
        async for bot in _bot(db_url, teams_org, clock, peers, **env):
            await _help_from(bot, peers.url, 4, token=lambda: openid.token(peers.url))
            sends = [c for c in peers.calls if c.op == "send"]
            assert len(sends) >= 4
            assert token.fetches == 1  # botbuilder alone: once per message
            assert threading.get_ident() not in token.threads  # MSAL is synchronous: never on the loop
            first = sends[0].auth
            assert first and first.startswith("Bearer ") and all(c.auth == first for c in sends)

            peers.fail.append(("send", 401, {}))  # the connector no longer takes that token
            await _help_from(bot, peers.url, 1, token=lambda: openid.token(peers.url))
            assert token.fetches == 1 and peers.fail == []  # refused once
            clock.advance(minutes=1)  # past the outbox's back-off: the retry fetches a token anew
            await bot.app.ticker.tick()
            assert token.fetches == 2
            assert peers.calls[-1].op == "send" and peers.calls[-1].auth not in (None, first)
    finally:
        assert openid.server is not None
        await openid.server.close()
