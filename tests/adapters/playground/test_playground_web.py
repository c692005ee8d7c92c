"""The playground over HTTP (the real app on port 0): the page, the API's protection against other
sites, clear 400s, who sees what, messages people type, and a restart."""

from __future__ import annotations

import uuid

import aiohttp
import pytest

from bot.core.model import PlaceRef
from bot.core.views import Card
from tests.conftest import Clock
from tests.contract.driver_playground import PlaygroundDriver
from tests.contract.drivers import contract_org

A_MY_NUMBER = "1234 5678 9018"  # a valid check digit (see tests/flows/test_redaction.py)


async def get(d: PlaygroundDriver, path: str, headers: dict[str, str] | None = None, **params: str) -> tuple[int, str, dict[str, str]]:
    assert d.session is not None
    async with d.session.get(d.base + path, headers=headers or {}, params=params) as r:
        return r.status, await r.text(), dict(r.headers)


async def state(d: PlaygroundDriver, persona: str, lang: str = "ja") -> dict:
    assert d.session is not None
    async with d.session.get(f"{d.base}/playground/api/state", params={"persona": persona, "lang": lang}, headers=d.headers()) as r:
        assert r.status == 200
        return await r.json()


async def test_the_page_says_it_is_a_playground_bound_to_loopback(pg: PlaygroundDriver) -> None:
    status, html, headers = await get(pg, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "プレイグラウンド" in html and "127.0.0.1 でのみ待ち受けています" in html
    assert f'<meta name="mynaleak-token" content="{pg.pg.token}">' in html
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    for asset in ("app.js", "app.css"):
        status, body, _ = await get(pg, f"/playground/static/{asset}")
        assert status == 200 and len(body) > 1000


@pytest.mark.parametrize(
    "headers, why",
    [
        ({"X-Mynaleak-Token": "wrong"}, "a wrong token"),
        ({}, "no token"),
        ({"Origin": "https://evil.example"}, "another origin"),
        ({"Origin": "null"}, "an opaque origin"),
        ({"Sec-Fetch-Site": "cross-site"}, "a cross-site fetch"),
        ({"Host": "evil.example:3978"}, "DNS rebinding"),
    ],
)
async def test_requests_from_elsewhere_are_refused(pg: PlaygroundDriver, headers: dict[str, str], why: str) -> None:
    good = pg.headers()
    if "X-Mynaleak-Token" in headers or not headers:
        good.pop("X-Mynaleak-Token")
    sent = {**good, **headers}
    status, body = await pg.post("command", {"persona": "yamada", "text": "/mynaleak report"}, headers=sent)
    assert status == 403, why
    assert body["error"] == "forbidden" and "ページを再読み込み" in body["text"]
    await pg.settle()
    assert pg.received() == []


async def test_the_stream_and_the_state_need_the_token(pg: PlaygroundDriver) -> None:
    status, _, _ = await get(pg, "/playground/api/state", persona="yamada")
    assert status == 403
    status, _, _ = await get(pg, "/playground/api/stream", persona="yamada", token="nope")
    assert status == 403
    status, _, _ = await get(pg, "/", headers={"Host": "attacker.example"})
    assert status == 403


@pytest.mark.parametrize(
    "path, raw, code",
    [
        ("command", b"not json", "bad_json"),
        ("command", b'{"id": "0123456789", "persona": "nobody", "text": "x"}', "unknown_persona"),
        ("press", b'{"id": "0123456789", "persona": "yamada", "action": "ack", "value": "x", "message": "ffff"}', "bad_message"),
        ("press", b'{"id": "0123456789", "persona": "yamada", "action": "ack", "value": "x"}', "bad_key"),
        ("submit", b'{"id": "0123456789", "persona": "yamada", "form": "ffff", "values": {}}', "bad_form"),
        ("submit", b'{"id": "0123456789", "persona": "yamada", "values": {}}', "missing_field"),
        ("dismiss", b'{"id": "0123456789", "persona": "yamada"}', "bad_key"),
        ("command", b'{"id": "0123456789", "persona": "yamada", "text": "x", "thread": "ffff"}', "bad_thread"),
    ],
)
async def test_bad_requests_get_a_clear_400(pg: PlaygroundDriver, path: str, raw: bytes, code: str) -> None:
    status, body = await pg._send(path, raw, pg.headers())
    assert status == 400, body
    assert body["error"] == code and body["message"] and body["text"] == "リクエストが正しくありません。"


async def test_private_replies_and_dms_are_seen_only_by_their_person(pg: PlaygroundDriver) -> None:
    adapter = pg.app.adapters["playground"]
    await adapter.reply(pg.user("manager"), None, Card(title="for manager only"))
    await adapter.notify(pg.user("deputy"), Card(title="DM for deputy"))
    await adapter.reply(pg.user("outsider"), PlaceRef("playground", "incidents"), Card(title="ephemeral in channel"))
    seen = {
        p: " ".join(m["html"] for m in (await state(pg, pg.persona_id(p)))["messages"])
        for p in ("manager", "deputy", "outsider", "reporter")
    }
    assert "for manager only" in seen["manager"] and all("for manager only" not in s for p, s in seen.items() if p != "manager")
    assert "DM for deputy" in seen["deputy"] and all("DM for deputy" not in s for p, s in seen.items() if p != "deputy")
    assert "ephemeral in channel" in seen["outsider"] and "ephemeral in channel" not in seen["reporter"]
    assert "あなただけに表示されています" in seen["outsider"]


async def test_typed_messages_are_posted_but_a_my_number_never_is(pg: PlaygroundDriver) -> None:
    status, _ = await pg.post("command", {"persona": "manager", "text": "確認中です <b>bold</b>"})
    assert status == 200
    status, _ = await pg.post("command", {"persona": "manager", "text": f"番号は {A_MY_NUMBER} です"})
    assert status == 200
    await pg.settle()
    posts = [r for r in pg.received() if r.op == "post"]
    assert posts[0].text.endswith("確認中です <b>bold</b>") and posts[0].to == "incidents"
    # the message with a number keeps the rest of its text: masked, not dropped (issue 11, item 2)
    assert len(posts) == 2 and posts[1].text.endswith("番号は ************ です") and posts[1].to == "incidents"
    assert all(A_MY_NUMBER not in r.text for r in pg.received())
    warnings = [r for r in pg.received() if r.op == "private" and r.to == "manager"]
    assert warnings and "マイナンバー" in warnings[0].text
    html = " ".join(m["html"] for m in (await state(pg, "manager"))["messages"])
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and A_MY_NUMBER not in html


async def test_the_state_speaks_english_on_request(pg: PlaygroundDriver) -> None:
    data = await state(pg, "yamada", "en")
    assert data["strings"]["badge"] == "Playground" and data["bound"]["local"] is True
    assert [p["role_label"] for p in data["personas"]][:2] == ["Reporter (employee)", "Escalation step 1"]


async def test_the_chat_survives_a_restart(pg: PlaygroundDriver) -> None:
    adapter = pg.app.adapters["playground"]
    ref = await adapter.notify(pg.user("manager"), Card(title="before"))
    await pg.restart()
    await pg.app.adapters["playground"].update(ref, Card(title="after"))
    await pg.settle()
    messages = (await state(pg, "manager"))["messages"]
    assert len(messages) == 1 and "after" in messages[0]["html"] and messages[0]["version"] == 2
    assert "（編集済み）" in messages[0]["html"]
    update = [r for r in pg.received() if r.op == "update"]
    assert update and update[0].ref == ref.key


async def test_updating_an_unknown_message_is_a_permanent_delivery_error(pg: PlaygroundDriver) -> None:
    from bot.core.model import MessageRef, UserRef
    from bot.core.platform import DeliveryError

    adapter = pg.app.adapters["playground"]
    for call in (
        adapter.update(MessageRef("playground", "ffffffff"), Card(title="x")),
        adapter.update(MessageRef("playground", "not a key"), Card(title="x")),
        adapter.notify(UserRef("slack", "U1"), Card(title="x")),
        adapter.post(PlaceRef("playground", "incidents"), Card(title="x"), MessageRef("playground", "ffff")),
        adapter.post(PlaceRef("playground", "bad place"), Card(title="x")),
    ):
        with pytest.raises(DeliveryError) as err:
            await call
        assert err.value.permanent


async def test_a_form_can_be_dismissed(pg: PlaygroundDriver) -> None:
    assert await pg.send_command("reporter", "report") == 200
    await pg.settle()
    form = next(r for r in pg.received() if r.op == "form")
    status, _ = await pg.post("dismiss", {"persona": "yamada", "form": form.ref})
    assert status == 200
    assert [m for m in (await state(pg, "yamada"))["messages"] if m["kind"] == "form"] == []
    status, body = await pg.post("dismiss", {"persona": "outsider", "form": form.ref})
    assert status == 400 and body["error"] == "bad_form"


async def test_binding_elsewhere_is_announced_on_the_page(db_url: str, clock: Clock) -> None:
    d = PlaygroundDriver()
    await d.start(db_url, contract_org(), clock, env={"MYNALEAK_HOST": "0.0.0.0"})
    try:
        status, html, _ = await get(d, "/", headers={"Host": f"192.0.2.1:{uuid.uuid4().int % 1000 + 1000}"})
        assert status == 200 and "注意：0.0.0.0 で待ち受けています" in html and 'class="banner exposed"' in html
    finally:
        await d.stop()


async def test_the_stream_is_text_event_stream(pg: PlaygroundDriver) -> None:
    assert pg.session is not None
    params = {"persona": "yamada", "lang": "ja", "token": pg.pg.token}
    async with pg.session.get(f"{pg.base}/playground/api/stream", params=params, timeout=aiohttp.ClientTimeout(total=5)) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream")
        first = await r.content.readuntil(b"\n\n")
        assert b"event: ready" in first
