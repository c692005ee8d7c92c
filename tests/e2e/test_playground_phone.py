"""Issue 14 (playground) in a real browser: a restart of the server is survived without a reload; on a
375 px phone the sidebar is a drawer; a full-width space starts a command; a half-typed form survives
a reload (kept in sessionStorage, any My Number masked); the incident list opens an incident's thread;
pressing a card button by keyboard keeps the focus, and an update redraws only its own message; the
live indicator is legible. Screenshots go to test-artifacts/playground/."""

from __future__ import annotations

import socket
from pathlib import Path

from aiohttp import web
from playwright.async_api import Page, expect

from bot.app import App, build
from bot.core.config import Settings
from storage.migrate import upgrade
from storage.store import Store
from tests.e2e.test_playground_browser import as_persona, page, server, shot

__all__ = ["page", "server"]  # fixtures

CONTRAST = """(el) => {
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = el; while (bg && getComputedStyle(bg).backgroundColor.replace(/\\s/g, '').match(/rgba\\(.*,0\\)|transparent/)) bg = bg.parentElement;
  const a = lum(getComputedStyle(el).color), b = lum(bg ? getComputedStyle(bg).backgroundColor : 'rgb(255,255,255)');
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


async def _serve(url: str, port: int) -> tuple[web.AppRunner, App]:
    app = await build(Settings.from_env({"DATABASE_URL": url}), platforms=["playground"])
    runner = web.AppRunner(app.web, access_log=None, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, app


async def test_a_restarted_server_is_rejoined_without_a_reload(tmp_path: Path, page: Page) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'pg.db'}"
    store = Store.open(url)
    await upgrade(store.engine)
    await store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    runner, app = await _serve(url, port)
    try:
        await page.goto(f"http://127.0.0.1:{port}/")
        await expect(page.get_by_test_id("live")).to_have_attribute("data-state", "on")
        await page.evaluate("window.__noReload = 'still here'")
        old = await page.locator('meta[name="mynaleak-token"]').get_attribute("content")
        await runner.cleanup()
        await app.close()
        await expect(page.get_by_test_id("live")).to_have_attribute("data-state", "off")
        runner, app = await _serve(url, port)  # a new process: a new token
        assert app is not None
        await expect(page.get_by_test_id("live")).to_have_attribute("data-state", "on", timeout=20_000)
        assert await page.evaluate("window.__noReload") == "still here"
        # the page's requests work again too (a command answered), still without a reload
        await page.get_by_test_id("composer-input").fill("/mynaleak help")
        await page.get_by_test_id("composer-input").press("Enter")
        await expect(page.get_by_test_id("messages").locator("article[data-private=true]")).to_contain_text("report")
        assert await page.evaluate("window.__noReload") == "still here"
        assert old  # the token the page was served with is no longer the server's
        await shot(page, "10-after-restart")
    finally:
        await runner.cleanup()
        await app.close()


async def test_on_a_phone(server: tuple[str, App], page: Page) -> None:
    base, _ = server
    await page.set_viewport_size({"width": 375, "height": 740})
    await page.goto(base)
    await expect(page.get_by_test_id("live")).to_have_attribute("data-state", "on")
    live = await page.get_by_test_id("live").evaluate(CONTRAST)
    assert live >= 4.5, f"the live indicator's contrast is {live:.2f}:1"

    # the sidebar is a drawer: the chat has the width of the screen
    main = await page.locator("#main").bounding_box()
    assert main is not None and main["width"] >= 360, main
    await expect(page.get_by_test_id("personas")).to_be_hidden()
    await shot(page, "20-phone")
    await page.get_by_test_id("menu").click()
    await expect(page.get_by_test_id("menu")).to_have_attribute("aria-expanded", "true")
    await expect(page.get_by_test_id("persona-tanaka")).to_be_visible()
    await expect(page.locator("#sidebar")).to_have_css("transform", "none")  # slid in
    await shot(page, "21-phone-drawer")
    await page.keyboard.press("Escape")
    await expect(page.get_by_test_id("personas")).to_be_hidden()

    # 「/mynaleak　report」 (a full-width space) opens the form; what is typed survives a reload, masked
    await page.get_by_test_id("composer-input").fill("/mynaleak\u3000report")
    await page.get_by_test_id("composer-input").press("Enter")
    dialog = page.get_by_test_id("form-dialog")
    await expect(dialog.get_by_test_id("form-report")).to_be_visible()
    await dialog.get_by_label("何が起きましたか").fill("USBメモリを紛失 番号 1234 5678 9018")
    await dialog.get_by_label("本人の数").fill("20")
    await dialog.get_by_label("媒体").select_option("removable")
    await shot(page, "22-phone-form")
    await page.reload()
    await expect(dialog.get_by_test_id("form-report")).to_be_visible()
    await expect(dialog.get_by_label("何が起きましたか")).to_have_value("USBメモリを紛失 番号 **** **** ****")
    await expect(dialog.get_by_label("本人の数")).to_have_value("20")
    kept = await page.evaluate("JSON.stringify(Object.fromEntries(Object.entries(sessionStorage)))")
    assert "9018" not in kept and "紛失" in kept
    await dialog.get_by_test_id("form-submit").click()
    await expect(dialog).to_be_hidden()
    assert await page.evaluate("Object.keys(sessionStorage).filter((k) => k.startsWith('pg.draft.')).length") == 0

    # the step-1 person acknowledges by keyboard: the focus stays in the message, other messages stay put
    await page.get_by_test_id("menu").click()
    await as_persona(page, "sato")
    await expect(page.get_by_test_id("personas")).to_be_hidden()  # choosing closes the drawer
    await page.get_by_test_id("menu").click()
    await page.get_by_test_id("nav-dm").click()
    msgs = page.get_by_test_id("messages")
    await expect(msgs.locator('button[data-action="ack"]')).to_have_count(1)
    await page.get_by_test_id("composer-input").fill("/mynaleak help")
    await page.get_by_test_id("composer-input").press("Enter")
    helped = msgs.locator("article[data-private=true]").last
    await expect(helped).to_contain_text("report")
    await helped.evaluate("(el) => { el.dataset.old = '1'; }")  # the same node after the page is updated?
    ack = msgs.locator('button[data-action="ack"]')
    await ack.focus()
    await page.keyboard.press("Enter")
    await expect(msgs.locator('button[data-action="ack"]')).to_have_count(0)
    await expect(msgs.locator("article").first).to_contain_text("佐藤")
    focused = await page.evaluate("document.activeElement.closest('article')?.dataset.key || document.activeElement.tagName")
    assert focused != "BODY", "the focus fell to the page after pressing a card button"
    assert await page.locator("#messages [data-old='1']").count() == 1  # an update redraws only its own message

    # the incident list opens the incident's card and thread
    await page.get_by_test_id("menu").click()
    await page.get_by_test_id("nav-channel").click()
    await page.get_by_test_id("composer-input").fill("/mynaleak list")
    await page.get_by_test_id("composer-input").press("Enter")
    link = msgs.locator("article[data-private=true]").get_by_test_id("incident-link").first
    await expect(link).to_contain_text("ML-")
    incident = (await link.get_attribute("data-incident")) or ""
    await link.click()
    await expect(page.get_by_test_id("thread-pane")).to_be_visible()
    await expect(page.get_by_test_id("thread-messages").locator(f'[data-incident-card="{incident}"]')).to_be_visible()
    pane = await page.get_by_test_id("thread-pane").bounding_box()
    assert pane is not None and pane["width"] >= 360
    await shot(page, "23-phone-thread-from-list")

    # a page's link to the incident (#thread=<card key>) opens the same thread
    card_key = await page.locator(f'#messages article:has([data-incident-card="{incident}"])').first.get_attribute("data-key")
    assert card_key
    await page.get_by_test_id("thread-close").click()
    await expect(page.get_by_test_id("thread-pane")).to_be_hidden()
    await page.evaluate("key => { location.hash = 'thread=' + encodeURIComponent(key); }", card_key)
    await expect(page.get_by_test_id("thread-messages").locator(f'[data-incident-card="{incident}"]')).to_be_visible()
