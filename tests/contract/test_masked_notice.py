"""Issue 14: a My Number typed into a checklist note, a not-applicable reason or a closing reason is
masked — and the person is told so, privately, on every platform, as the report form and chat do."""

from __future__ import annotations

import pytest

from bot.core.i18n import t
from tests.conftest import Clock
from tests.contract.drivers import Driver
from tests.contract.test_contract import driver, latest, of, ok, report

__all__ = ["driver"]  # the fixture
A_MY_NUMBER = "1234 5678 9018"  # a valid check digit


@pytest.mark.parametrize(("action", "form_id", "field"), [("item:note", "item_note", "note"), ("item:na", "item_na", "reason")])
async def test_a_masked_number_in_a_checklist_text_is_told(driver: Driver, clock: Clock, action: str, form_id: str, field: str) -> None:
    inc = await report(driver, clock)
    step1 = next(r for r in of(driver, "post") if (action, f"{inc}|1.1") in r.buttons)
    assert await driver.press("manager", action, f"{inc}|1.1", step1.ref) in ok
    await driver.settle()
    assert [r for r in of(driver, "form", "manager") if r.form_id == form_id], "the form was not shown"
    before = len(of(driver, "private", "manager"))
    res = await driver.submit_form("manager", form_id, {field: f"本人の番号 {A_MY_NUMBER} を確認"}, context=f"{inc}|1.1")
    assert res.status in ok and not res.errors, res
    await driver.settle()
    told = of(driver, "private", "manager")[before:]
    notice = t("intake.masked", "ja", n=1)
    assert any(notice[:20] in r.text for r in told), [r.text for r in told]
    everything = " ".join(r.text for r in driver.received())
    assert "9018" not in everything and "本人の番号" in latest(driver, step1.ref).text


async def test_a_masked_number_in_a_closing_reason_is_told(driver: Driver, clock: Clock) -> None:
    inc = await report(driver, clock)
    before = len(of(driver, "private", "manager"))
    assert await driver.send_command("manager", f"close {inc} 誤報（番号 {A_MY_NUMBER} は社外のもの）") in ok
    await driver.settle()
    told = [r.text for r in of(driver, "private", "manager")[before:]]
    saved = any(t("intake.masked", "ja", n=1)[:20] in text for text in told)
    dropped = any(t("intake.masked_message", "ja")[:20] in text for text in told)
    everything = " ".join(r.text for r in driver.received())
    assert "9018" not in everything
    # closed with the reason masked, and told so; or (Teams reads a message with a number as chat) not
    # taken at all, and told that instead
    assert saved if "誤報" in everything else dropped, told
    assert saved or driver.platform == "teams"


async def test_a_masked_number_in_a_refused_command_is_told_not_saved(driver: Driver) -> None:
    assert await driver.send_command("outsider", f"close ML-2026-0001 {A_MY_NUMBER}") in ok
    await driver.settle()
    told = [r.text for r in of(driver, "private", "outsider")]
    assert any(t("intake.masked_message", "ja")[:20] in text for text in told), told
    assert "9018" not in " ".join(r.text for r in driver.received())


@pytest.mark.parametrize(
    ("press", "form_id", "values"),
    [
        (("item:note", "1.1"), "item_note", {"note": f"{A_MY_NUMBER} " + "長" * 1200}),  # too long: shown back
        (("facts:edit", ""), "facts", {"people": A_MY_NUMBER}),  # a My Number is not a count: shown back
    ],
    ids=["note too long", "facts count"],
)
async def test_a_masked_number_in_a_form_shown_back_is_told(
    driver: Driver, clock: Clock, press: tuple[str, str], form_id: str, values: dict[str, str]
) -> None:
    inc = await report(driver, clock)
    action, item = press
    value = f"{inc}|{item}" if item else inc
    where = next(r for r in driver.received() if (action, value) in r.buttons)
    assert await driver.press("manager", action, value, where.ref) in ok
    await driver.settle()
    assert [r for r in of(driver, "form", "manager") if r.form_id == form_id], "the form was not shown"
    before = len(of(driver, "private", "manager"))
    res = await driver.submit_form("manager", form_id, values, context=value)
    assert res.status in ok and res.errors, res  # shown back
    await driver.settle()
    told = [r.text for r in of(driver, "private", "manager")[before:]]
    assert any(t("intake.masked_not_saved", "ja", n=1)[:25] in text for text in told), told
    assert "9018" not in " ".join(r.text for r in driver.received()) + " ".join(res.errors.values())
