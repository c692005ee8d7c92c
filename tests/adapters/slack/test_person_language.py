"""Issue 14: the bot's private answers in Slack speak the person's language (their Slack locale, from
users.info), whatever the organisation's: the flows' replies did, the adapter's own did not (an
English-speaking person in a Japanese organisation got 「フォームを開けませんでした」)."""

from __future__ import annotations

import json

from bot.core.i18n import t


async def test_an_expired_form_is_explained_in_the_persons_language(slack, fake):
    assert fake.users["U0TANAKA"]["locale"] == "en-US"
    body = slack.command_body("report", "U0TANAKA", "C0GENERAL", trigger=fake.trigger(ttl=-1))
    assert (await slack.form(body)).status == 200
    await slack.settle()
    assert [c.error for c in fake.calls if c.method == "views.open"] == ["expired_trigger_id"]
    (told,) = [e for e in fake.ephemerals if e["user"] == "U0TANAKA"]
    text = json.dumps(told, ensure_ascii=False)
    assert t("slack.form_expired", "en") in text and t("slack.form_expired", "ja") not in text


async def test_the_organisations_language_stays_for_a_japanese_locale(slack, fake):
    body = slack.command_body("report", "U0REPORTER", "C0GENERAL", trigger=fake.trigger(ttl=-1))
    assert (await slack.form(body)).status == 200
    await slack.settle()
    (told,) = [e for e in fake.ephemerals if e["user"] == "U0REPORTER"]
    assert t("slack.form_expired", "ja") in json.dumps(told, ensure_ascii=False)
