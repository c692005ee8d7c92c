"""Teams as its users expect it (issue 14), over the real botbuilder request path and the fake connector:
commands as people type them there, answers said where the person acted, forms confirmed by their
title, a welcome on install, a summary on every message, invokes answered, the manifest's pages."""

from __future__ import annotations

import logging

import pytest

from adapters.teams import render
from bot.core.views import Attachment, Card, Form, Input, Option
from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot
from tests.adapters.teams.test_scenario import REPORT, SATO, TANAKA, YAMADA, install_everyone, report
from tests.support.jsontree import nodes


def _texts(card: dict | None) -> str:
    return " ".join(str(n.get("text", "")) for n in nodes(card or {}) if n.get("type") == "TextBlock")


async def test_slack_syntax_and_japanese_words_work_and_no_card_says_slash_mynaleak(bot: Bot) -> None:
    url = await install_everyone(bot)
    c = bot.connector
    for text in ("/mynaleak help", "ヘルプ", "help", "/mynaleak"):
        before = len(c.calls)
        assert await bot.post(fakes.message(url, YAMADA, text, fakes.personal("aad-yamada"))) == 201
        (answer,) = c.calls[before:]
        shown = _texts(answer.card)
        assert "・report" in shown and "・drill" in shown and "・close" in shown, (text, shown)
        assert "コマンドはありません" not in shown
    before = len(c.calls)
    assert await bot.post(fakes.message(url, YAMADA, "/mynaleak 報告", fakes.personal("aad-yamada"))) == 201
    assert [x.card["actions"][0]["data"]["form"] for x in c.calls[before:]] == ["report"]
    before = len(c.calls)
    assert await bot.post(fakes.message(url, YAMADA, "frobnicate", fakes.personal("aad-yamada"))) == 201
    (unknown,) = c.calls[before:]
    assert "「frobnicate」というコマンドはありません。help で使い方" in _texts(unknown.card)
    before = len(c.calls)
    assert await bot.post(fakes.message(url, SATO, "close", fakes.personal("aad-sato"))) == 201
    assert "使い方：close ML-2026-0001" in _texts(c.calls[before].card)
    assert all("/mynaleak" not in x.text() for x in c.calls), [x.text() for x in c.calls if "/mynaleak" in x.text()]


async def test_a_form_opened_from_the_channel_is_announced_in_the_thread(bot: Bot) -> None:
    url = await install_everyone(bot)
    incident, _ = await report(bot, url)
    c = bot.connector
    thread = next(x for x in {k.conversation for k in c.calls} if x.startswith(fakes.CHANNEL + ";messageid="))
    root_id = thread.split("=")[1]
    step1 = next(x for x in c.to(thread, "send") if "item:na" in x.text())
    na = next(a for el in nodes(step1.card) for a in el.get("actions", []) if a["data"]["action"] == "item:na")
    before = len(c.calls)
    assert await bot.post(fakes.submit(url, TANAKA, na["data"], fakes.in_channel(root_id), reply_to=step1.result_id)) == 201
    new = c.calls[before:]
    form = [x for x in new if x.conversation == "a:personal-aad-tanaka"]
    assert len(form) == 1 and form[0].card["actions"][0]["data"]["form"] == "item_na"
    pointer = [x for x in new if x.conversation == thread]
    assert len(pointer) == 1 and _texts(pointer[0].card) == "<at>田中 美咲</at> さん、フォームを個別チャットに送りました。"
    # the reason left empty: Teams itself says what is wrong, not just the label
    (reason,) = [el for el in form[0].card["body"] if el.get("id") == "reason"]
    assert reason["errorMessage"] == f"「{reason['label']}」を入力してください。"
    # submitted: the card says which form by its title, never its id
    data = {**form[0].card["actions"][0]["data"], "reason": "紙の書類のみで該当しない"}
    assert await bot.post(fakes.submit(url, TANAKA, data, fakes.personal("aad-tanaka"), reply_to=form[0].result_id)) == 201
    (done,) = c.by_id(form[0].result_id)
    assert _texts(done.card) == f"送信しました 「{form[0].card['body'][0]['text']}」を受け付けました。"
    assert "item_na" not in done.text() and incident
    # a command in the channel answers privately and says so there, once
    before = len(c.calls)
    assert await bot.post(fakes.message(url, SATO, f"status {incident}", fakes.in_channel("555"), mention=True)) == 201
    new = c.calls[before:]
    assert [x.conversation for x in new] == ["a:personal-aad-sato", f"{fakes.CHANNEL};messageid=555"]
    assert "返信を個別チャットに送りました" in _texts(new[1].card)


async def test_report_form_is_confirmed_by_its_title_and_its_time_label_reads_right(bot: Bot) -> None:
    url = await install_everyone(bot)
    assert await bot.post(fakes.message(url, YAMADA, "report", fakes.personal("aad-yamada"))) == 201
    form = bot.connector.to("a:personal-aad-yamada", "send")[-1].card
    labels = [el.get("label", "") for el in form["body"]]
    assert "発生日時（分かれば・時刻）" in labels and not [x for x in labels if "）（" in x]
    required = [el for el in form["body"] if el.get("isRequired")]
    assert required and all(el["errorMessage"] != el["label"] and el["label"] in el["errorMessage"] for el in required)
    fakes.validate_card(form)
    data = dict(form["actions"][0]["data"])
    assert await bot.post(fakes.submit(url, YAMADA, {**data, **REPORT}, fakes.personal("aad-yamada"), reply_to="f-1")) == 201
    (done,) = bot.connector.by_id("f-1")
    assert "「マイナンバー漏えい等の報告」を受け付けました" in _texts(done.card) and "「report」" not in done.text()


async def test_welcome_once_on_personal_and_team_install_not_on_upgrade(bot: Bot) -> None:
    url = bot.connector.url
    c = bot.connector
    assert await bot.post(fakes.installed(url, SATO, fakes.personal("aad-sato"))) == 201
    assert await bot.post(fakes.added_to_team(url, SATO, fakes.personal("aad-sato"))) == 201  # the same install, told twice
    (hello,) = c.to("a:personal-aad-sato")
    assert "mynaleak を追加しました" in _texts(hello.card) and "report（または 報告）" in _texts(hello.card)
    assert hello.body["summary"] == "mynaleak を追加しました"
    fakes.validate_card(hello.card)
    assert await bot.post(fakes.added_to_team(url, SATO, fakes.in_channel())) == 201
    (team,) = c.to(fakes.CHANNEL)
    assert "@mynaleak report" in _texts(team.card)
    upgrade = fakes.installed(url, TANAKA, fakes.personal("aad-tanaka"))
    upgrade["action"] = "add-upgrade"
    assert await bot.post(upgrade) == 201
    assert not c.to("a:personal-aad-tanaka")


async def test_every_message_has_a_summary_without_personal_data(bot: Bot) -> None:
    url = await install_everyone(bot)
    incident, _ = await report(bot, url)
    page = bot.connector.to("a:personal-aad-sato", "send")[-1]
    ack = fakes.submit(url, SATO, {"action": "ack", "value": incident}, fakes.personal("aad-sato"), reply_to=page.result_id)
    assert await bot.post(ack) == 201
    notes = [_texts(x.card) for x in bot.connector.calls if ";messageid=" in x.conversation and "対応を開始しました" in x.text()]
    assert notes and all("<at>佐藤 花子</at> さんが" in n for n in notes), notes  # thread notes mention, with さん
    bot.app.runtime.clock.advance(hours=2)  # type: ignore[attr-defined]
    await bot.app.ticker.tick()
    calls = [x for x in bot.connector.calls if x.body.get("type") == "message"]
    assert len(calls) > 15
    for x in calls:
        summary = x.body.get("summary") or ""
        assert summary, x.text()[:300]
        assert not any(s in summary for s in ("USB", "佐藤", "田中", "山田", "Aad-", "経理")), summary


async def test_an_unhandled_invoke_is_answered_200_and_logged(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    url = await install_everyone(bot)
    act = fakes.message(url, SATO, "", fakes.personal("aad-sato"))
    act.update(type="invoke", name="composeExtension/query", value={"commandId": "x"})
    with caplog.at_level(logging.INFO, logger="mynaleak.teams"):
        resp = await bot.client.post("/api/messages", json=act)
        assert resp.status == 200 and await resp.read() == b""
    assert any("invoke not handled" in r.getMessage() and getattr(r, "invoke", "") == "composeExtension/query" for r in caplog.records)
    assert not bot.connector.calls


async def test_the_manifest_pages_are_served(bot: Bot) -> None:
    for path, words in (("/privacy", "伏せ字"), ("/terms", "法的助言ではありません"), ("/about", "help")):
        resp = await bot.client.get(path)
        body = await resp.text()
        assert resp.status == 200 and resp.content_type == "text/html", path
        assert "テスト株式会社" in body and words in body, (path, body[:300])


def test_the_markdown_draft_is_shown_with_text_styles() -> None:
    import base64

    md = "> 下書きです（法的助言ではありません）\n\n# 漏えい等報告書\n\n## 1. 概要\n\n本文の段落。  \n二行目。\n\n- 一\n- 二\n"
    view = Card(
        title="報告書の下書き", attachments=(Attachment("ML-1-report.md", "text/markdown", base64.b64encode(md.encode()).decode()),)
    )
    card = render.card(view)
    fakes.validate_card(card)
    blocks = [n for n in nodes(card["body"]) if n.get("type") == "TextBlock"]
    texts = [b["text"] for b in blocks]
    assert not [x for x in texts if x.lstrip().startswith(("#", ">"))], texts
    by_text = {b["text"]: b for b in blocks}
    assert by_text["漏えい等報告書"]["size"] == "Large" and by_text["漏えい等報告書"]["weight"] == "Bolder"
    assert by_text["1. 概要"]["size"] == "Medium"
    quote = next(n for n in nodes(card["body"]) if n.get("style") == "emphasis")
    assert quote["items"][0]["text"] == "下書きです（法的助言ではありません）"
    assert "本文の段落。\n\n二行目。" in texts  # a hard line break stays one (Adaptive Cards need the blank line)
    assert "- 一\n- 二" in texts and not [x for x in texts if "\n\n\n" in x or "  \n" in x]


def test_required_inputs_say_what_is_wrong_in_english_too() -> None:
    form = Form("f", "Title", "Send", (Input("a", "When (if known)", "datetime", True),
                                       Input("b", "Medium", "select", True, options=(Option("x", "X"),))))  # fmt: skip
    body = render.form(form, "en")["body"]
    by_id = {el.get("id"): el for el in body if el.get("id")}
    assert by_id["a__time"]["label"] == "When (if known, time)"
    assert by_id["a__date"]["errorMessage"] == "Please fill in “When (if known)”."
    assert by_id["b"]["errorMessage"] == "Please choose “Medium”."
