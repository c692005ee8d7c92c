"""E-mail pages through a real SMTP server (aiosmtpd on loopback) and the runtime, on SQLite and
PostgreSQL: the mail and its acknowledge link (GET changes nothing, POST acknowledges like the chat
button), refused links, an SMTP outage, and a step nobody can be reached on."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import ack_page, links
from bot.core.model import UserRef
from bot.core.platform import DeliveryError
from bot.core.views import Card, plain
from bot.mail import MailNotifier, MailSettings
from tests.conftest import Clock
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness
from tests.support.smtp import SmtpServer, parts

KEY = links.link_key(b"k" * 32)
MAIL = {"sato": "sato@example.jp", "suzuki": "suzuki@example.jp", "takahashi": "takahashi@example.jp"}
LINK = re.compile(r"https://bot\.example\.jp(/ack/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def org(**policies: object):
    people = {h: {**p, **({"email": MAIL[h]} if h in MAIL else {})} for h, p in ORG["people"].items()}
    for handle, policy in policies.items():
        people[handle] = {**people[handle], "page": policy}
    return config(**{**ORG, "people": people})


@dataclass
class Bot:
    h: Harness
    smtp: SmtpServer
    web: TestClient

    async def tick(self) -> int:
        return await self.h.tick()

    async def incident(self, inc_id: str):
        async with self.h.store.tx() as tx:
            loaded = await tx.load(inc_id)
        assert loaded is not None
        return loaded.incident

    def thread_notes(self) -> list[str]:
        return [plain(s.view.text) for s in self.h.adapter.ops("post") if s.thread is not None and isinstance(s.view, Card)]


@pytest.fixture
async def bot(db_url: str, clock: Clock, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    smtp = await SmtpServer().start()
    cfg = getattr(request, "param", None) or org()
    h = Harness(db_url, cfg, clock)
    settings = MailSettings.from_env({"MYNALEAK_SMTP_URL": smtp.url, "MYNALEAK_MAIL_FROM": "mynaleak@example.jp",
                                      "MYNALEAK_PUBLIC_URL": "https://bot.example.jp/"})  # fmt: skip
    assert settings is not None
    h.deliverer.notifiers["email"] = MailNotifier(settings, KEY, clock, "ja", ZoneInfo("Asia/Tokyo"))
    app = web.Application()
    ack_page.install(app, h.runtime, KEY)
    client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    try:
        yield Bot(h, smtp, client)
    finally:
        await client.close()
        await h.close()
        await smtp.stop()


def pages_to(h: Harness, who: str) -> list:
    """The chat pages ``who`` got (a DM with an Acknowledge button)."""
    return [s for s in h.adapter.ops("notify", f"user:{who}") if any(b.action == "ack" for b in s.view.buttons)]


def link_in(msg) -> str:
    text, html = parts(msg)
    found = LINK.search(text)
    assert found and found.group(0) in html.replace("&amp;", "&")
    return found.group(1)


async def test_chat_page_unacknowledged_then_the_mail_link_acknowledges_and_everything_stops(bot: Bot, clock: Clock) -> None:
    h, box = bot.h, bot.smtp.box
    inc_id = (await h.report(summary="山田太郎さんの住所録を紛失")).incident_id
    assert inc_id
    (page1,) = pages_to(h, "sato")  # the chat page goes out ...
    (mail1,) = box.to("sato@example.jp")  # ... and the mail at once (the default policy)
    assert inc_id in mail1["Subject"] and "重大度：中" in mail1["Subject"] and "山田" not in mail1.as_string()
    text, html = parts(mail1)
    assert "確認する" in text and "<a href=" in html and "山田" not in text + html

    clock.advance(minutes=5, seconds=1)  # nobody acknowledges: step 2, by chat and e-mail
    assert await bot.tick() == 1
    (page2,) = pages_to(h, "suzuki")
    (mail2,) = box.to("suzuki@example.jp")
    card = h.adapter.ops("post", "place:incidents")[0]
    assert "第2段階／全3段階：鈴木" in plain("".join(f.value for f in h.adapter.latest(card.ref).fields))

    path = link_in(mail2)
    clock.advance(minutes=1)
    got = await bot.web.get(path)  # a mail scanner, or the person, opens the link: nothing happens yet
    body = await got.text()
    assert got.status == 200 and "<form method='post'>" in body and "鈴木" in body
    assert (await bot.incident(inc_id)).escalation.status == "paging"

    posted = await bot.web.post(path)
    body = await posted.text()
    assert posted.status == 200 and "確認しました" in body
    await h.runtime.drain()
    inc = await bot.incident(inc_id)
    assert inc.escalation.status == "acked" and inc.escalation.acked_by == UserRef("playground", "suzuki", "鈴木")
    for ref in (page1.ref, page2.ref, card.ref):  # every page and the card updated: no button asks any more
        latest = h.adapter.latest(ref)
        assert not any(b.action == "ack" for b in latest.buttons), ref
    async with h.store.tx() as tx:
        acked = [r for r in await tx.audit_rows(inc_id) if r["action"] == "escalation.acked"]
    assert [r["actor"] for r in acked] == ["playground:suzuki"]  # as that person, as the chat button does

    chat_before, mail_before = len(h.adapter.ops("notify")), len(box.messages)
    for _ in range(6):  # nothing more is paged, however long we wait
        clock.advance(minutes=30)
        await bot.tick()
    assert len(box.messages) == mail_before
    assert len([s for s in h.adapter.ops("notify") if any(b.action == "ack" for b in s.view.buttons)]) == 2
    assert len(h.adapter.ops("notify")) == chat_before

    again = await bot.web.post(path)  # the same link again: refused, clearly
    assert again.status == 410 and "既に使われています" in await again.text()
    assert (await bot.web.get(path)).status == 410


async def test_forged_expired_and_unknown_links_are_refused_with_a_clear_page(bot: Bot, clock: Clock) -> None:
    inc_id = (await bot.h.report()).incident_id
    assert inc_id
    path = link_in(bot.smtp.box.to("sato@example.jp")[0])
    token = path.removeprefix("/ack/")
    payload, mac = token.split(".")
    forged_payload = links.sign(KEY, links.new_link(inc_id, UserRef("playground", "outsider"), clock())).split(".")[0]
    other_key = links.sign(links.link_key(b"x" * 32), links.new_link(inc_id, UserRef("playground", "sato"), clock()))
    for bad in (f"{forged_payload}.{mac}", other_key, f"{payload}.{mac[:-2]}AA", "nonsense", "a.b", f"{payload}."):
        for method in (bot.web.get, bot.web.post):
            res = await method(f"/ack/{bad}")
            assert res.status == 403, bad
            assert "このリンクは無効です" in await res.text()
    unknown = links.sign(KEY, links.new_link("ML-2026-9999", UserRef("playground", "sato"), clock()))
    assert (await bot.web.post(f"/ack/{unknown}")).status == 404
    assert (await bot.incident(inc_id)).escalation.status == "paging"  # none of them acknowledged

    clock.advance(hours=24, seconds=1)
    for method in (bot.web.get, bot.web.post):
        res = await method(path)
        assert res.status == 410 and "有効期限が切れています" in await res.text()
    assert (await bot.incident(inc_id)).escalation.acked_by is None  # still nobody acknowledged


async def test_a_link_is_single_use_across_a_restart(bot: Bot, clock: Clock, db_url: str) -> None:
    inc_id = (await bot.h.report()).incident_id
    path = link_in(bot.smtp.box.to("sato@example.jp")[0])
    # another process (a replica, or this one after a restart) with only the database in common
    other = Harness(db_url, org(), clock)
    app = web.Application()
    ack_page.install(app, other.runtime, KEY)
    async with TestClient(TestServer(app, host="127.0.0.1", port=0)) as client:
        assert (await client.post(path)).status == 200
    await other.close()
    assert (await bot.incident(inc_id or "")).escalation.acked_by == UserRef("playground", "sato", "佐藤")
    res = await bot.web.post(path)
    assert res.status == 410 and "既に使われています" in await res.text()


async def test_smtp_down_is_retried_the_thread_told_once_and_the_chat_page_goes_out(bot: Bot, clock: Clock) -> None:
    await bot.smtp.stop()  # the SMTP server is down
    inc_id = (await bot.h.report()).incident_id
    assert inc_id and len(pages_to(bot.h, "sato")) == 1  # the chat page did not wait for the mail
    assert not bot.smtp.box.messages
    for _ in range(6):  # the outbox retries with backoff (2, 4, 8, 16 … s)
        clock.advance(seconds=61)
        await bot.tick()
    late = [n for n in bot.thread_notes() if "まだ届いていません" in n]
    assert len(late) == 1 and "佐藤" in late[0] and "smtp" in late[0]
    async with bot.h.store.tx() as tx:
        assert "escalation.skipped" not in [r["action"] for r in await tx.audit_rows(inc_id)]  # only late: not skipped
    await bot.smtp.start()  # back on the same port
    clock.advance(seconds=61)
    await bot.tick()
    assert [m["To"] for m in bot.smtp.box.messages].count("sato@example.jp") == 1
    assert len([n for n in bot.thread_notes() if "まだ届いていません" in n]) == 1  # told once


@pytest.mark.parametrize("bot", [org(takahashi=[{"via": "chat"}])], indirect=True)
async def test_a_step_nobody_can_be_reached_on_is_skipped_at_once(bot: Bot, clock: Clock) -> None:
    bot.h.adapter.fail["notify"] = [DeliveryError("user_not_found", permanent=True)]  # sato's chat id is gone
    bot.smtp.box.refuse.add("sato@example.jp")  # and so is her mailbox (550)
    inc_id = (await bot.h.report()).incident_id
    assert inc_id
    await bot.h.runtime.drain()
    # no clock advance: step 2 is paged now, not after step 1's five minutes
    assert len(pages_to(bot.h, "suzuki")) == 1 and bot.smtp.box.to("suzuki@example.jp")
    assert any("第1段階の全員にどの経路でも連絡が届かない" in n for n in bot.thread_notes())
    failed = [n for n in bot.thread_notes() if "届けられませんでした" in n]
    assert any("smtp: recipient refused (550)" in n for n in failed) and not any("@" in n for n in failed)
    inc = await bot.incident(inc_id)
    assert inc.escalation.step == 1 and inc.escalation.paged_at == clock()
    async with bot.h.store.tx() as tx:
        actions = [r["action"] for r in await tx.audit_rows(inc_id)]
    assert "escalation.skipped" in actions
    clock.advance(minutes=5, seconds=1)  # step 1's own timer is stale now: it pages nobody
    await bot.tick()
    assert not pages_to(bot.h, "takahashi") and len(pages_to(bot.h, "suzuki")) == 1


def test_mail_settings_explain_what_is_wrong() -> None:
    from bot.mail import MailConfigError

    base = {"MYNALEAK_MAIL_FROM": "bot@example.jp", "MYNALEAK_PUBLIC_URL": "https://bot.example.jp"}
    assert MailSettings.from_env({}) is None
    s = MailSettings.from_env({**base, "MYNALEAK_SMTP_URL": "smtps://me%40x:p%3Ass@mail.example.jp"})
    assert s is not None and (s.host, s.port, s.tls, s.username, s.password) == ("mail.example.jp", 465, True, "me@x", "p:ss")
    s = MailSettings.from_env({**base, "MYNALEAK_SMTP_URL": "smtp://mail.example.jp:587"})
    assert s is not None and (s.port, s.tls, s.username) == (587, False, None)
    assert "p:ss" not in repr(MailSettings.from_env({**base, "MYNALEAK_SMTP_URL": "smtps://me:p%3Ass@mail.example.jp"}))
    for env, says in [
        ({**base, "MYNALEAK_SMTP_URL": "http://mail"}, "MYNALEAK_SMTP_URL"),
        ({**base, "MYNALEAK_SMTP_URL": "smtp://mail:xx"}, "port"),
        ({"MYNALEAK_PUBLIC_URL": "https://b", "MYNALEAK_SMTP_URL": "smtp://mail"}, "MYNALEAK_MAIL_FROM"),
        ({"MYNALEAK_MAIL_FROM": "a@b", "MYNALEAK_SMTP_URL": "smtp://mail"}, "MYNALEAK_PUBLIC_URL"),
    ]:
        with pytest.raises(MailConfigError, match=says):
            MailSettings.from_env(env)


def test_links_expire_and_cannot_be_forged() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    link = links.new_link("ML-2026-0001", UserRef("teams", "29:sato"), now)
    token = links.sign(KEY, link)
    assert links.verify(KEY, token, now + timedelta(hours=23)) == link
    with pytest.raises(links.LinkError, match="expired"):
        links.verify(KEY, token, now + links.TTL)
    with pytest.raises(links.LinkError, match="bad"):
        links.verify(links.link_key(b"y" * 32), token, now)


async def test_a_hung_smtp_server_holds_up_neither_the_chat_page_nor_the_reply(bot: Bot, clock: Clock) -> None:
    import asyncio

    from bot.core.events import FormSubmitted
    from bot.core.model import PlaceRef
    from tests.contract.drivers import REPORT_VALUES

    await bot.smtp.stop()
    held: list[asyncio.StreamWriter] = []

    async def silent(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        held.append(w)  # accepts the connection and never greets

    hung = await asyncio.start_server(silent, "127.0.0.1", bot.smtp.port)
    try:
        form = {**REPORT_VALUES, "summary": "USBメモリを紛失", "discovered_at": clock().isoformat()}
        await bot.h.runtime.dispatch(
            FormSubmitted(UserRef("playground", "yamada"), "report", form, place=PlaceRef("playground", "dm:yamada"))
        )
        for _ in range(200):
            if pages_to(bot.h, "sato") and bot.h.adapter.ops("reply", "user:yamada") and held:  # the mail is connected, and hangs
                break
            await asyncio.sleep(0.01)
        assert pages_to(bot.h, "sato") and bot.h.adapter.ops("reply", "user:yamada")  # within 2 s, mail still hanging
        assert held and not bot.smtp.box.messages
    finally:
        for w in held:
            w.close()
        hung.close()
        await hung.wait_closed()
        await bot.h.runtime.drain()


async def test_starttls_is_used_when_the_server_offers_it(tmp_path, clock: Clock) -> None:
    from tests.support.smtp import self_signed

    server_tls, client_tls = self_signed(tmp_path)
    smtp = await SmtpServer(tls=server_tls).start()  # offers STARTTLS and refuses mail without it
    try:
        settings = MailSettings.from_env({"MYNALEAK_SMTP_URL": smtp.url, "MYNALEAK_MAIL_FROM": "bot@example.jp",
                                          "MYNALEAK_PUBLIC_URL": "https://bot.example.jp"})  # fmt: skip
        assert settings is not None and not settings.tls
        notifier = MailNotifier(settings, KEY, clock, "ja", ZoneInfo("Asia/Tokyo"), tls_context=client_tls)
        ref = await notifier.notify(UserRef("email", "sato@example.jp", "佐藤"), Card(title="件名", text="本文"))
        assert ref.platform == "email" and smtp.box.over_tls == [True]
        assert smtp.box.messages[0]["Subject"] == "件名"
    finally:
        await smtp.stop()


async def test_the_mail_page_leads_to_the_incident_thread_once_the_card_is_posted(bot: Bot, clock: Clock) -> None:
    """Issue 13 item 7: step 1's mail leaves before the card exists (no link, and no error); step 2's
    mail carries the link the card's platform gives for the card."""
    h, box = bot.h, bot.smtp.box
    assert (await h.report(summary="鞄を紛失")).incident_id
    (mail1,) = box.to("sato@example.jp")
    text1, html1 = parts(mail1)
    assert "インシデントのスレッドを開く" not in text1 + html1
    card = h.adapter.ops("post", "place:incidents")[0]

    clock.advance(minutes=5, seconds=1)
    assert await bot.tick() == 1
    (mail2,) = box.to("suzuki@example.jp")
    text2, html2 = parts(mail2)
    url = f"https://recording.invalid/{card.ref}"
    assert f"インシデントのスレッドを開く: {url}" in text2
    assert f"<a href='{url}'>インシデントのスレッドを開く</a>" in html2
    (page2,) = pages_to(h, "suzuki")  # the chat page carries the same link, as a button
    assert [b.url for b in page2.view.buttons if b.url] == [url]


async def test_the_link_lifetime_is_configurable(db_url: str, clock: Clock) -> None:
    """MYNALEAK_LINK_HOURS, through the composition (bot.pager.install): a 2-hour link works within its
    two hours and is refused as expired after them (the default, 24 hours, is tested above)."""
    from bot import pager

    smtp = await SmtpServer().start()
    h = Harness(db_url, org(), clock)
    env = {"MYNALEAK_SMTP_URL": smtp.url, "MYNALEAK_MAIL_FROM": "mynaleak@example.jp", "MYNALEAK_PUBLIC_URL": "https://bot.example.jp/",
           "MYNALEAK_LINK_HOURS": "2"}  # fmt: skip
    app = web.Application()
    pager.install(app, h.runtime, h.deliverer, env, b"k" * 32)
    client = TestClient(TestServer(app, host="127.0.0.1", port=0))
    await client.start_server()
    try:
        first = (await h.report()).incident_id
        expired = link_in(smtp.box.to("sato@example.jp")[-1])
        clock.advance(hours=2, seconds=1)
        res = await client.post(expired)
        assert res.status == 410 and "有効期限が切れています" in await res.text()
        second = (await h.report(dedup="second")).incident_id
        assert second != first
        fresh = link_in(smtp.box.to("sato@example.jp")[-1])
        clock.advance(hours=1, minutes=59)
        assert (await client.post(fresh)).status == 200
    finally:
        await client.close()
        await h.close()
        await smtp.stop()


@pytest.mark.parametrize("hours", ["0", "-1", "169", "soon", "nan"])
def test_a_wrong_link_lifetime_is_refused_with_its_reason(hours: str) -> None:
    from bot import pager
    from bot.core.platform import PlatformRefused

    with pytest.raises(PlatformRefused, match="MYNALEAK_LINK_HOURS"):
        pager.channels(org(), {"MYNALEAK_LINK_HOURS": hours})
    assert links.ttl_from_env({}) == timedelta(hours=24) and links.ttl_from_env({"MYNALEAK_LINK_HOURS": "0.5"}) == timedelta(minutes=30)
