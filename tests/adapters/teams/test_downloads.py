"""Signed, expiring download links for the drafts (bot/downloads.py): the whole path in Teams — the
draft button in the thread, the card's download button, the file fetched from the bot — and every
way a link can be wrong answering a clear 4xx page, never a 500. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import urllib.parse
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.config import OrgConfig
from bot.downloads import BadLink, Grant, Signer
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot, make_bot
from tests.adapters.teams.test_scenario import SATO, TANAKA, install_everyone, report
from tests.support.jsontree import nodes

KEY = "a-test-audit-key-0123456789abcdef"
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


def test_a_token_round_trips_and_every_change_is_refused() -> None:
    signer = Signer(b"k" * 32)
    grant = Grant("ML-2026-0001", "report-prelim", "docx", int((T0 + timedelta(hours=1)).timestamp()))
    token = signer.token(grant)
    assert signer.check(token, T0) == grant
    payload, mac = token.split(".")
    other = Signer(b"k" * 32).token(Grant("ML-2026-0002", "report-prelim", "docx", grant.expires)).split(".")[0]
    for bad in (f"{other}.{mac}", f"{payload}.{mac[:-2]}AA", payload, "", "x.y", f"{payload}.", token + "x"):
        with pytest.raises(BadLink) as exc:
            signer.check(bad, T0)
        assert exc.value.reason == "forged", bad
    with pytest.raises(BadLink) as exc:
        Signer(b"another key" * 3).check(token, T0)
    assert exc.value.reason == "forged"
    with pytest.raises(BadLink) as exc:
        signer.check(token, T0 + timedelta(hours=1))
    assert exc.value.reason == "expired"


@pytest.fixture
async def linked(db_url: str, teams_org: OrgConfig, clock: Any, connector: fakes.FakeConnector) -> AsyncIterator[Bot]:
    b, client = await make_bot(db_url, teams_org, clock, connector, MYNALEAK_PUBLIC_URL="https://bot.example.jp/", MYNALEAK_AUDIT_KEY=KEY)
    yield b
    await client.close()
    await b.app.close()


async def _draft_card(bot: Bot) -> tuple[str, dict[str, Any]]:
    url = await install_everyone(bot)
    incident, _ = await report(bot, url)
    c = bot.connector
    root = c.to(fakes.CHANNEL, "send")[0]
    page = c.to("a:personal-aad-sato", "send")[-1]
    assert await bot.post(fakes.submit(url, SATO, {"action": "ack", "value": incident}, fakes.personal("aad-sato"), page.result_id)) == 201
    press = fakes.submit(url, TANAKA, {"action": "draft", "value": f"{incident}|report"}, fakes.in_channel(root.result_id), root.result_id)
    before = len(c.calls)
    assert await bot.post(press) == 201
    (posted,) = [x for x in c.calls[before:] if x.op == "send" and f"{incident}-report-prelim.md" in x.text()]
    return incident, posted.card


async def test_the_draft_card_offers_a_link_that_downloads_the_word_file(linked: Bot) -> None:
    incident, card = await _draft_card(linked)
    fakes.validate_card(card)
    (button,) = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    assert button["title"] == f"{incident}-report-prelim.docx をダウンロード"
    assert button["url"].startswith("https://bot.example.jp/download/") and button["url"].endswith(f"/{incident}-report-prelim.docx")
    assert "mynaleak draft" not in str(card) and "有効期限" in str(card)
    path = urllib.parse.urlsplit(button["url"]).path
    resp = await linked.client.get(path)
    body = await resp.read()
    assert resp.status == 200, body[:300]
    assert resp.headers["Content-Disposition"] == f"attachment; filename*=UTF-8''{incident}-report-prelim.docx"
    assert resp.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(body)) as z:  # a real Word document, made from the record
        document = z.read("word/document.xml").decode("utf-8")
    assert incident in document and "USBメモリ" in document

    # damaged, forged, expired, an incident that does not exist: a page that says what to do
    token = path.split("/")[2]
    bad = await linked.client.get(path.replace(token, token[:-3] + "AAA"))
    assert bad.status == 403 and "無効" in await bad.text()
    signer = Signer(KEY.encode())
    exp = int((linked.app.runtime.clock() + timedelta(hours=1)).timestamp())
    missing = await linked.client.get(
        "/download/" + signer.token(Grant("ML-2026-9999", "report-prelim", "docx", exp))
    )  # signed, no such incident
    assert missing.status == 404
    linked.app.runtime.clock.advance(hours=25)  # type: ignore[attr-defined]
    old = await linked.client.get(path)
    assert old.status == 410 and "有効期限が切れています" in await old.text()
    assert (await linked.client.get("/download/%00%ff/x")).status == 403


async def test_a_link_to_an_incident_that_is_gone_is_a_404_page(linked: Bot) -> None:
    url = linked.app.download_url("ML-2026-9999-notice.md")
    assert url is not None
    resp = await linked.client.get(urllib.parse.urlsplit(url).path)
    assert resp.status == 404 and "見つかりませんでした" in await resp.text()
    assert linked.app.download_url("../../etc/passwd") is None and linked.app.download_url("ML-2026-0001-report-prelim.exe") is None


async def test_without_a_public_url_the_card_says_so_and_points_at_no_server_command(bot: Bot) -> None:
    incident, card = await _draft_card(bot)
    assert not [a for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]
    text = " ".join(str(n.get("text", "")) for n in nodes(card) if n.get("type") == "TextBlock")
    assert f"{incident}-report-prelim.docx" in text and "MYNALEAK_PUBLIC_URL" in text and "mynaleak draft" not in text
    assert bot.app.download_url(f"{incident}-report-prelim.docx") is None
    assert (await bot.client.get("/download/abc.def/x.docx")).status in (403, 404)


async def test_a_database_outage_is_a_503_page_not_a_500(teams_org: OrgConfig) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer
    from sqlalchemy.exc import OperationalError

    from bot.downloads import Downloads

    async def down(_: str) -> None:  # the store's read, as it fails when PostgreSQL is unreachable
        raise OperationalError("SELECT", {}, ConnectionRefusedError("refused"))

    downloads = Downloads("https://bot.example.jp", KEY.encode(), 24, lambda: T0)
    w = web.Application()
    downloads.mount(w.router, down, teams_org, lambda inc, kind, fmt: (b"", "text/plain"))
    url = downloads.url("ML-2026-0001-report-prelim.docx")
    assert url is not None
    async with TestClient(TestServer(w, host="127.0.0.1", port=0)) as client:
        resp = await client.get(urllib.parse.urlsplit(url).path)
        assert resp.status == 503 and "データベース" in await resp.text()
