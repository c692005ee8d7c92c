"""The playground in a real browser (Playwright driving Debian's Chromium): report, page, acknowledge,
tick, refuse — the two-minute tour a newcomer takes. Screenshots go to test-artifacts/playground/.

Chromium is required: the test fails (it does not skip) when it is missing; `.ci/run` installs it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright, expect

from bot.app import App, build
from bot.core.config import Settings
from storage.migrate import upgrade
from storage.store import Store
from tests.conftest import ROOT

CHROMIUM = os.environ.get("MYNALEAK_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = ROOT / "test-artifacts" / "playground"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[str, App]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pg.db'}"
    store = Store.open(url)
    await upgrade(store.engine)
    await store.close()
    app = await build(Settings.from_env({"DATABASE_URL": url}), platforms=["playground"])
    runner = web.AppRunner(app.web, access_log=None, shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", app
    await runner.cleanup()
    await app.close()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    assert Path(CHROMIUM).exists(), f"Chromium is missing at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="ja-JP")
        page = await context.new_page()
        page.set_default_timeout(10_000)
        yield page
        await browser.close()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


async def as_persona(page: Page, persona: str) -> None:
    await page.get_by_test_id(f"persona-{persona}").click()
    await expect(page.get_by_test_id(f"persona-{persona}")).to_have_attribute("aria-pressed", "true")
    await expect(page.get_by_test_id("live")).to_have_attribute("data-state", "on")


async def test_the_two_minute_tour(server: tuple[str, App], page: Page) -> None:
    base, app = server
    await page.goto(base)
    await expect(page.get_by_test_id("banner")).to_contain_text("プレイグラウンド")
    await expect(page.get_by_test_id("bound")).to_contain_text("127.0.0.1")
    await expect(page.get_by_test_id("me-name")).to_have_text("山田 太郎")
    await expect(page.get_by_test_id("live")).to_have_attribute("data-state", "on")
    await shot(page, "00-empty")

    # the reporter reports
    await page.get_by_test_id("composer-input").fill("/mynaleak report")
    await page.get_by_test_id("composer-input").press("Enter")
    dialog = page.get_by_test_id("form-dialog")
    await expect(dialog.get_by_test_id("form-report")).to_be_visible()
    await dialog.get_by_label("媒体").select_option("removable")
    await dialog.get_by_label("本人の数").fill("20")
    await dialog.get_by_test_id("form-submit").click()  # nothing said about what happened: shown back
    await expect(dialog.get_by_test_id("form-errors")).to_be_visible()
    await expect(dialog.locator('[data-field="summary"] .field-error')).to_have_text("入力してください。")
    await expect(dialog.get_by_label("本人の数")).to_have_value("20")  # what was typed is kept
    await shot(page, "01-report-form-errors")
    await dialog.get_by_label("何が起きましたか").fill("経理担当者が帰宅途中にUSBメモリを紛失した")
    await dialog.get_by_test_id("form-submit").click()
    await expect(dialog).to_be_hidden()
    confirmation = page.get_by_test_id("messages").locator("article[data-private=true]").filter(has_text="受け付けました")
    await expect(confirmation).to_be_visible()
    await expect(confirmation).to_contain_text("あなただけに表示されています")
    card = page.get_by_test_id("messages").locator("article", has_text="インシデント")
    await expect(card.first).to_be_visible()
    await shot(page, "02-reported")

    # the step-1 person (佐藤) sees the page in the DM and acknowledges
    await as_persona(page, "sato")
    await page.evaluate("window.__noReload = 'still here'")
    await page.get_by_test_id("nav-dm").click()
    page_msg = page.get_by_test_id("messages").locator("article", has=page.locator('button[data-action="ack"]'))
    await expect(page_msg).to_contain_text("ML-")
    await shot(page, "03-page-in-dm")
    await page_msg.locator('button[data-action="ack"]').click()
    await expect(page.get_by_test_id("messages").locator("article").first).to_contain_text("佐藤 花子")
    await expect(page.get_by_test_id("messages").locator('button[data-action="ack"]')).to_have_count(0)
    events_before = await page.evaluate("Number(document.documentElement.dataset.liveEvents || 0)")
    assert events_before > 0

    # the channel's card was updated live, not by a reload
    await page.get_by_test_id("nav-channel").click()
    card = page.get_by_test_id("messages").locator("article[data-private=false]", has_text="ML-").first
    await expect(card).to_contain_text("佐藤 花子")
    await expect(card.get_by_test_id("edited")).to_be_visible()
    await expect(card.locator('button[data-action="ack"]')).to_have_count(0)
    assert await page.evaluate("window.__noReload") == "still here"
    await shot(page, "04-acked-channel")

    # tick an item in the thread
    await card.get_by_test_id("thread-link").click()
    thread = page.get_by_test_id("thread-messages")
    item = thread.get_by_test_id("item-1.1")
    await item.locator('button[data-action="item:done"]').click()
    await expect(thread.get_by_test_id("item-1.1")).to_have_attribute("data-state", "done")
    await shot(page, "05-ticked")

    # an outsider may not tick: refused, privately
    await as_persona(page, "outsider")
    await expect(page.get_by_test_id("thread-pane")).to_be_visible()
    await thread.get_by_test_id("item-1.2").locator('button[data-action="item:done"]').click()
    refusal = thread.locator("article[data-private=true]", has_text="チェックリストを更新できるのは")
    await expect(refusal).to_be_visible()
    await expect(refusal).to_contain_text("あなただけに表示されています")
    await expect(thread.get_by_test_id("item-1.2")).to_have_attribute("data-state", "open")
    await shot(page, "06-outsider-refused")
    assert await page.evaluate("window.__noReload") == "still here"

    # and the page speaks English on request
    await page.get_by_test_id("lang-en").click()
    await expect(page.get_by_test_id("banner")).to_contain_text("playground")
    await expect(page.get_by_test_id("composer-input")).to_have_attribute(
        "placeholder", "Message #incidents — /mynaleak report to report a leak"
    )
    await shot(page, "07-english")
