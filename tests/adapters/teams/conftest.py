"""Fixtures: the whole app with the Teams adapter on aiohttp's test server, and the fake connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App, build
from bot.core.config import OrgConfig, Settings
from tests.adapters.teams import fakes
from tests.support.orgs import parse_org

ORG = {
    "organisation": "テスト株式会社",
    "people": {
        "sato": {"name": "佐藤 花子", "teams": "aad-sato"},
        "takahashi": {"name": "高橋 健", "teams": "aad-takahashi"},
        "suzuki": {"name": "鈴木 一郎", "teams": "aad-suzuki"},
        "tanaka": {"name": "田中 美咲", "teams": "aad-tanaka"},
    },
    "incident_channel": {"teams": fakes.CHANNEL},
    "escalation": {
        "steps": [
            {"people": ["sato"], "wait_minutes": 5},
            {"people": ["takahashi"], "wait_minutes": 5},
            {"people": ["suzuki"], "wait_minutes": 10},
        ],  # fmt: skip
        "repeat_last": 0,
    },
    "responders": ["tanaka"],
    "reminders": {"every_hours": 1},
}


@pytest.fixture
def teams_org() -> OrgConfig:
    return parse_org(ORG)


@pytest.fixture
async def connector() -> AsyncIterator[fakes.FakeConnector]:
    c = await fakes.FakeConnector().start()
    yield c
    await c.close()


class Bot:
    """The app under test plus helpers to post activities and wait for deliveries."""

    def __init__(self, app: App, client: TestClient, connector: fakes.FakeConnector):
        self.app, self.client, self.connector = app, client, connector

    async def post(self, activity: dict[str, Any], token: str | None = None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        resp = await self.client.post("/api/messages", json=activity, headers=headers)
        await resp.read()
        await self.app.runtime.drain()
        return resp.status


async def make_bot(db_url: str, org: OrgConfig, clock: Any, connector: fakes.FakeConnector, **env: str) -> tuple[Bot, TestClient]:
    settings = Settings.from_env({"DATABASE_URL": db_url, "MYNALEAK_TEAMS": "1", **env})
    app = await build(settings, config=org, clock=clock, platforms=["teams"])
    client = TestClient(TestServer(app.web, host="127.0.0.1", port=0))
    await client.start_server()
    return Bot(app, client, connector), client


@pytest.fixture
async def bot(db_url: str, teams_org: OrgConfig, clock: Any, connector: fakes.FakeConnector) -> AsyncIterator[Bot]:
    b, client = await make_bot(db_url, teams_org, clock, connector)
    yield b
    await client.close()
    await b.app.close()
