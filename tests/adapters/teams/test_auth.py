"""With an app id configured, only requests carrying a valid Bot Framework token get in. The token's
keys come from an OpenID endpoint on loopback (botbuilder's own validation path, pointed at it)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import func, select

from bot.core.config import OrgConfig
from storage.conversations import StoredReferences
from storage.tables import ProcessedEvent
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot, make_bot

APP_ID = "11111111-2222-3333-4444-555555555555"
ISSUER = "https://api.botframework.com"


class OpenId:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.server: TestServer | None = None
        # botbuilder caches the metadata and keys per metadata URL for a day, process-wide: a later fake
        # on a reused port with a new key would be checked against the old one. A path of its own per fake.
        self.prefix = f"/{uuid.uuid4().hex}/"

    async def start(self) -> OpenId:
        w = web.Application()
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid="k1", use="sig", endorsements=["msteams"])

        async def config(_: web.Request) -> web.Response:
            return web.json_response({"issuer": ISSUER, "jwks_uri": self.url + "keys"})

        async def keys(_: web.Request) -> web.Response:
            return web.json_response({"keys": [jwk]})

        w.router.add_get(self.prefix + "openid", config)
        w.router.add_get(self.prefix + "keys", keys)
        self.server = TestServer(w, host="127.0.0.1", port=0)
        await self.server.start_server()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url(self.prefix))

    def token(self, service_url: str, key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 10, "exp": now + 600, **claims}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
async def secured(db_url: str, teams_org: OrgConfig, clock: Any, connector: fakes.FakeConnector) -> AsyncIterator[tuple[Bot, OpenId]]:
    openid = await OpenId().start()
    env = {"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "secret", "MICROSOFT_APP_TENANT_ID": fakes.TENANT,
           "MICROSOFT_OPENID_METADATA_URL": openid.url + "openid"}  # fmt: skip
    bot, client = await make_bot(db_url, teams_org, clock, connector, **env)
    yield bot, openid
    await client.close()
    await bot.app.close()
    assert openid.server is not None
    await openid.server.close()


async def _nothing_stored(bot: Bot) -> None:
    assert await StoredReferences(bot.app.store).load("teams", "aad-sato") is None
    assert await StoredReferences(bot.app.store).load("teams", "a:personal-aad-sato") is None
    async with bot.app.store.tx() as tx:
        assert (await tx.conn.execute(select(func.count()).select_from(ProcessedEvent.__table__))).scalar() == 0  # type: ignore[attr-defined]
    assert bot.connector.calls == []


async def test_forged_token_is_refused_and_nothing_stored(secured: tuple[Bot, OpenId]) -> None:
    bot, openid = secured
    url = bot.connector.url
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    act = fakes.message(url, fakes.person("aad-sato"), "report", fakes.personal("aad-sato"))
    assert await bot.post(act, token=openid.token(url, key=attacker)) == 401  # signed with another key
    assert await bot.post(act) == 401  # no token at all
    assert await bot.post(act, token="not-a-jwt") == 401
    assert await bot.post(act, token=openid.token(url, aud="someone-else")) == 401  # another bot's token
    assert await bot.post(act, token=openid.token("https://evil.example/")) == 401  # serviceUrl not the signed one
    assert await bot.post(act, token=openid.token(url, exp=int(time.time()) - 3600)) == 401  # expired
    await _nothing_stored(bot)


async def test_valid_token_is_accepted(secured: tuple[Bot, OpenId]) -> None:
    bot, openid = secured
    url = bot.connector.url
    act = fakes.installed(url, fakes.person("aad-sato"), fakes.personal("aad-sato"))
    assert await bot.post(act, token=openid.token(url)) == 201
    ref = await StoredReferences(bot.app.store).load("teams", "aad-sato")
    assert ref is not None and ref["reference"]["serviceUrl"] == url


async def test_emulator_mode_without_app_id_accepts_unsigned(caplog: pytest.LogCaptureFixture, bot: Bot) -> None:
    loud = [r for r in caplog.get_records("setup") if r.name == "mynaleak.teams" and r.levelname == "WARNING"]
    assert loud and "EMULATOR MODE" in loud[0].getMessage()
    url = bot.connector.url
    act = fakes.installed(url, fakes.person("aad-sato"), fakes.personal("aad-sato"))
    assert await bot.post(act) == 201
    assert await StoredReferences(bot.app.store).load("teams", "aad-sato") is not None


async def test_unreadable_body_is_400_not_500(bot: Bot) -> None:
    resp = await bot.client.post("/api/messages", data=b"{not json", headers={"Content-Type": "application/json"})
    assert resp.status == 400
    resp = await bot.client.post("/api/messages", json={"no": "type"})
    assert resp.status == 400
