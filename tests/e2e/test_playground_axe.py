"""Issue 14 (playground): an axe-core pass over the playground's main screens in the real browser —
the empty channel, the report form shown back with errors, an incident's card with its thread open,
and the phone layout with its drawer open — with no serious or critical violations."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from bot.app import App
from tests.e2e.test_playground_browser import page, server, shot

__all__ = ["page", "server"]  # fixtures
AXE = Axe()


async def serious(page: Page, screen: str) -> list[str]:
    results = await AXE.run(page)
    found = [
        f"{screen}: {v['id']} ({v['impact']}) {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    return found


async def test_no_serious_accessibility_violations(server: tuple[str, App], page: Page) -> None:
    base, _ = server
    await page.goto(base)
    await expect(page.get_by_test_id("live")).to_have_attribute("data-state", "on")
    problems = await serious(page, "empty channel")

    await page.get_by_test_id("composer-input").fill("/mynaleak report")
    await page.get_by_test_id("composer-input").press("Enter")
    dialog = page.get_by_test_id("form-dialog")
    await dialog.get_by_test_id("form-submit").click()
    await expect(dialog.get_by_test_id("form-errors")).to_be_visible()
    problems += await serious(page, "report form with errors")

    await dialog.get_by_label("何が起きましたか").fill("USBメモリを紛失した")
    await dialog.get_by_label("媒体").select_option("removable")
    await dialog.get_by_label("本人の数").fill("20")
    await dialog.get_by_test_id("form-submit").click()
    await expect(dialog).to_be_hidden()
    await page.get_by_test_id("messages").get_by_test_id("thread-link").first.click()
    await expect(page.get_by_test_id("thread-messages").get_by_test_id("item-1.1")).to_be_visible()
    problems += await serious(page, "card and thread")

    await page.set_viewport_size({"width": 375, "height": 740})
    await page.get_by_test_id("thread-close").click()
    await page.get_by_test_id("menu").click()
    await expect(page.get_by_test_id("persona-sato")).to_be_visible()
    await expect(page.locator("#sidebar")).to_have_css("transform", "none")  # slid in
    problems += await serious(page, "phone with the drawer open")
    await shot(page, "30-axe-phone-drawer")
    assert problems == [], "\n".join(problems)
