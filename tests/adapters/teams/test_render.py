"""Neutral views → Adaptive Card 1.5, valid against the official schema, under Teams' size limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.teams import render
from bot.core.config import OrgConfig
from bot.core.model import UserRef
from bot.core.views import Button, Card, CheckItem, Field, Form, Input, Option, Section, mention
from flows.common import Ctx
from flows.intake import report_form
from tests.adapters.teams.fakes import validate_card

TANAKA = UserRef("teams", "aad-tanaka", "田中 美咲")


def _big_card(n: int) -> Card:
    items = tuple(CheckItem(f"{s}.{i}", "確認する" * 20, "open", "メモ" * 50, (Button("完了", "item:done", f"ML-2026-0001|{s}.{i}", "primary"),))
                  for s in range(3) for i in range(n))  # fmt: skip
    return Card(title="大きなカード", text="本文" * 3000, fields=tuple(Field(f"項目{i}", "値" * 400) for i in range(40)),
                sections=(Section("手順", "説明", items),), footer="フッター")  # fmt: skip


@pytest.mark.parametrize("tone", ["info", "warning", "danger", "success", "muted"])
def test_cards_validate(tone: str) -> None:
    card = Card(title="ML-2026-0001", tone=tone, text="一行目\n二行目\n- a\n- b", fields=(Field("状態", "呼び出し中"),),
                sections=(Section("(1) 初動", "1/3", (CheckItem("1.1", "報告", "done", "済"), CheckItem("1.2", "調査", "na", buttons=(Button("再開", "item:reopen", "x"),)))),),
                buttons=(Button("確認しました", "ack", "ML-2026-0001", "primary"), Button("取消", "x", "y", "danger")), footer="f")  # fmt: skip
    out = render.card(card)
    validate_card(out)
    assert out["version"] == "1.5"
    assert [a["data"] for a in out["actions"]] == [{"action": "ack", "value": "ML-2026-0001"}, {"action": "x", "value": "y"}]
    assert [a.get("style") for a in out["actions"]] == ["positive", "destructive"]
    assert "一行目\n\n二行目\n\n- a\n- b" in json.dumps(out, ensure_ascii=False).replace("\\n", "\n")


def test_mentions_become_at_tags_with_entities() -> None:
    card = render.card(Card(title="", text=f"担当: {mention(TANAKA)} / {mention(UserRef('slack', 'U1', 'Slack人'))} / {mention(TANAKA)}"))
    validate_card(card)
    text = card["body"][0]["items"][0]["text"]
    assert text == "担当: <at>田中 美咲</at> / Slack人 / <at>田中 美咲</at>"
    assert card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>田中 美咲</at>", "mentioned": {"id": "aad-tanaka", "name": "田中 美咲"}}
    ]


def test_typed_at_tags_cannot_forge_a_mention() -> None:
    card = render.card(Card(title="", text="<at>社長</at> 至急"))
    assert "<at>" not in json.dumps(card, ensure_ascii=False) and "msteams" not in card


@pytest.mark.parametrize("n", [1, 20, 200])
def test_big_cards_fit_teams_limit(n: int) -> None:
    out = render.card(_big_card(n))
    validate_card(out)
    assert render.size(out) <= render.MAX_BYTES
    assert "ML-2026-0001|0.0" in json.dumps(out)  # the first buttons survive shortening
    if n == 200:
        assert "Teams のカードの大きさ" in json.dumps(out, ensure_ascii=False)


def test_small_cards_are_not_shortened() -> None:
    view = Card(title="t", text="本文" * 100)
    assert render.card(view)["body"][0]["items"][1]["text"] == "本文" * 100


def test_report_form_validates_with_date_and_time(org: OrgConfig) -> None:
    ctx = Ctx(datetime(2026, 11, 26, 1, 0, tzinfo=UTC), org, "ja")
    form = report_form(ctx, {"people": "12", "data_items": ("mynumber", "name")}, {"summary": "必須です"})
    out = render.form(form)
    validate_card(out)
    by_id = {el.get("id"): el for el in out["body"] if el.get("id")}
    assert by_id["discovered_at__date"]["type"] == "Input.Date" and by_id["discovered_at__date"]["value"] == "2026-11-26"
    assert by_id["discovered_at__time"]["type"] == "Input.Time" and by_id["discovered_at__time"]["value"] == "10:00"
    assert by_id["people"]["value"] == 12 and by_id["data_items"]["isMultiSelect"] and by_id["data_items"]["value"] == "mynumber,name"
    assert by_id["summary__error"]["text"] == "⚠ 必須です"
    data = out["actions"][0]["data"]
    assert data["form"] == "report" and data["mynaleak"] == {
        "title": "マイナンバー漏えい等の報告",
        "dt": ["discovered_at", "occurred_at"],
        "multi": ["data_items"],
    }


def test_form_inputs_of_every_kind_validate() -> None:
    form = Form("f", "題", "送信", (Input("a", "A", "text", True, hint="例"), Input("b", "B", "textarea"), Input("c", "C", "number", initial="x"),
                                   Input("d", "D", "datetime", initial="bad"), Input("e", "E", "select", options=(Option("1", "一"),), initial="1"),
                                   Input("g", "G", "multiselect", options=(Option("1", "一"), Option("2", "二")), initial=("1", "2"))),
                context="ML-2026-0001|1.1", intro="説明")  # fmt: skip
    out = render.form(form, "en")
    validate_card(out)
    assert out["actions"][0]["data"]["context"] == "ML-2026-0001|1.1"
    assert not any("value" in el for el in out["body"] if el.get("id") in ("c", "d__date", "d__time"))


def test_draft_attachments_are_shown_inline_and_named() -> None:
    import base64 as b64

    from bot.core.views import Attachment

    md = "# 報告書\n\n1. 概要: USBメモリを紛失"
    view = Card(
        title="ML-2026-0001 報告書（下書き）",
        text="下書きです",
        attachments=(
            Attachment("ML-2026-0001-report.md", "text/markdown", b64.b64encode(md.encode()).decode()),
            Attachment("ML-2026-0001-report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "UEsDBA=="),
        ),
    )
    out = render.card(view)
    flat = json.dumps(out, ensure_ascii=False)
    assert "USBメモリを紛失" in flat and "ML-2026-0001-report.docx" in flat and "MYNALEAK_PUBLIC_URL" in flat  # no link: says why
    assert "mynaleak draft" not in flat  # never a server command
    validate_card(out)


def test_the_card_of_an_incident_nobody_acknowledged_offers_page_again() -> None:
    from flows.cards import incident_card
    from tests.flows.helpers import config, exhausted

    inc, now = exhausted()
    out = render.card(incident_card(inc, Ctx(now, config(), "en")))
    validate_card(out)
    assert {"action": "page", "value": inc.id} in [a["data"] for a in out["actions"]]
