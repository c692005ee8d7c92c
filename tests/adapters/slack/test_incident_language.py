"""Issue 14: what is shared stays in the incident's language, whoever acts; what is private is in the
person's. Tanaka's Slack locale is en-US; the organisation (and so the incident) speaks Japanese.

Before: a card updated by Tanaka's action showed 「発生日時（分かれば）」 as "Unknown" (the date
formatter used the actor's language), and the `status` answer gave no hint that the card he asked
for is kept in Japanese."""

from __future__ import annotations

import json
import re

from bot.core.i18n import t
from tests.adapters.slack.test_flow import _card, report


def _blocks(message: dict) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False)


async def test_the_card_stays_in_the_incidents_language_when_an_english_speaker_acts(slack, fake):
    await report(slack, fake)  # no 発生日時 given: the card says 不明
    call, card_ts = _card(fake)
    incident = re.search(r"ML-\d{4}-\d{4,}", call.args["text"])[0]  # type: ignore[index]
    assert "不明" in _blocks(fake.messages[("C0INCIDENTS", card_ts)])
    assert (await slack.click("C0INCIDENTS", card_ts, "ack", "U0TANAKA")).status == 200
    await slack.settle()
    updated = _blocks(fake.messages[("C0INCIDENTS", card_ts)])
    assert "<@U0TANAKA> さんが" in updated  # acknowledged by Tanaka, said in Japanese
    assert "不明" in updated and t("common.unknown", "en") not in updated
    thread = [m for (ch, _), m in fake.messages.items() if ch == "C0INCIDENTS" and m.get("thread_ts") == card_ts]
    assert not any(t("common.unknown", "en") in _blocks(m) for m in thread)

    # Tanaka asks for the status: the card in Japanese, a line in English saying why
    assert (await slack.command(f"status {incident}", user="U0TANAKA", channel="C0INCIDENTS")).status == 200
    await slack.settle()
    (told,) = [e for e in fake.ephemerals if e["user"] == "U0TANAKA" and incident in json.dumps(e, ensure_ascii=False)]
    shown = _blocks(told)
    assert t("card.title", "ja", id=incident) in shown and "不明" in shown
    assert t("names.status_frame", "en", lang=t("names.lang.ja", "en")) in shown


async def test_a_japanese_speaker_gets_the_card_without_the_note(slack, fake):
    await report(slack, fake)
    call, _ = _card(fake)
    incident = re.search(r"ML-\d{4}-\d{4,}", call.args["text"])[0]  # type: ignore[index]
    assert (await slack.command(f"status {incident}", user="U0SATO", channel="C0INCIDENTS")).status == 200
    await slack.settle()
    (told,) = [e for e in fake.ephemerals if e["user"] == "U0SATO" and incident in json.dumps(e, ensure_ascii=False)]
    assert t("card.title", "ja", id=incident) in _blocks(told)
    assert t("names.status_frame", "ja", lang=t("names.lang.ja", "ja")) not in _blocks(told)
