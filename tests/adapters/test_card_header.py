"""The status card's header (issue 14): status, report duty, the next deadline and who is paged come
first — Slack: right under the header block, in a context block; Teams: a ColumnSet in the card's
top container; the playground: a header row before the detail grid — on a fresh report, after the
ack, with the 速報 recorded and once closed. Every rendering schema-valid."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from adapters.playground.render import card_html
from adapters.slack import render as slack
from adapters.teams import render as teams
from bot.core.model import Incident
from bot.core.views import Card, plain
from flows.cards import incident_card
from flows.common import Ctx
from tests.adapters.playground.test_playground_render import parse
from tests.adapters.slack.blockkit import check_blocks
from tests.adapters.teams.fakes import validate_card
from tests.flows.helpers import SATO, T0, TANAKA, command, config, minutes, press, report, step, submission

CFG = config()


def _states() -> dict[str, Incident]:
    fresh, _ = report(CFG)
    acked, _ = step(fresh, press(SATO, "ack", fresh.id), T0 + minutes(2), CFG)
    prelim, _ = step(acked, submission(SATO, acked, "mynumber", "prelim"), T0 + minutes(5), CFG)
    prelim, _ = step(prelim, submission(SATO, prelim, "appi", "prelim"), T0 + minutes(5), CFG)
    closed, _ = step(prelim, command(TANAKA, f"close {fresh.id} 誤報と判明したため"), T0 + minutes(9), CFG)
    assert (acked.escalation.status, len(prelim.submissions), closed.status) == ("acked", 2, "closed")
    return {"fresh": fresh, "acked": acked, "prelim": prelim, "closed": closed}


# label → what the value must contain, in order; None: the field must be absent
EXPECTED: dict[str, list[tuple[str, str]]] = {
    "fresh": [
        ("状況", "確認待ち（第1段階"),
        ("報告義務", "番号法：義務あり"),
        ("次の期限", "速報（番号法）2026-11-30"),
        ("呼び出し中", "佐藤 さん（10:00 から）"),
    ],
    "acked": [("状況", "佐藤 さんが 10:02 に確認"), ("報告義務", "番号法：義務あり"), ("次の期限", "速報（番号法）2026-11-30")],
    "prelim": [("状況", "佐藤 さんが 10:02 に確認"), ("報告義務", "個人情報保護法：義務あり"), ("次の期限", "確報（番号法）2026-12-25")],
    "closed": [
        ("状況", "クローズ"),
        ("クローズの理由", "誤報と判明したため"),
        ("報告義務", "義務あり"),
        ("次の期限", "確報（番号法）2026-12-25"),
    ],
}


def _card(state: str) -> Card:
    return incident_card(_states()[state], Ctx(T0 + minutes(10), CFG, "ja"))


@pytest.mark.parametrize("state", list(EXPECTED))
def test_the_header_says_where_things_stand(state: str) -> None:
    card = _card(state)
    assert [f.label for f in card.summary] == [label for label, _ in EXPECTED[state]]
    for f, (_, part) in zip(card.summary, EXPECTED[state], strict=True):
        assert part in plain(f.value), (f, part)  # people are mention tokens
    # the detail stays below, without repeating the status
    assert "状況" not in [f.label for f in card.fields] and len(card.fields) > 10


@pytest.mark.parametrize("state", list(EXPECTED))
def test_slack_shows_the_header_right_under_the_title(state: str) -> None:
    card = _card(state)
    blocks, fallback = slack.message(card)
    check_blocks(blocks)
    assert blocks[0]["type"] == "header" and blocks[1]["type"] == "context"
    texts = [el["text"] for el in blocks[1]["elements"]]
    assert len(texts) == len(EXPECTED[state])
    for text, (label, part) in zip(texts, EXPECTED[state], strict=True):
        assert text.startswith(f"*{label}*") and part in text
    assert fallback.splitlines()[2].startswith("状況: ")  # the notification says where things stand


@pytest.mark.parametrize("state", list(EXPECTED))
def test_teams_shows_the_header_as_a_column_set(state: str) -> None:
    out = teams.card(_card(state))
    validate_card(out)
    top = out["body"][0]
    assert top["type"] == "Container"
    columns = next(i for i in top["items"] if i["type"] == "ColumnSet")["columns"]
    assert len(columns) == len(EXPECTED[state])
    for col, (label, part) in zip(columns, EXPECTED[state], strict=True):
        assert col["items"][0]["text"] == label and part in col["items"][1]["text"]
    facts = next(b for b in out["body"] if b["type"] == "FactSet")["facts"]
    assert "状況" not in [f["title"] for f in facts]


@pytest.mark.parametrize("state", list(EXPECTED))
def test_the_playground_shows_a_header_row_before_the_detail(state: str) -> None:
    html = card_html(_card(state))
    parse(html)
    head = re.search(r'<dl class="card-summary" data-testid="card-summary">(.*?)</dl>', html)
    assert head is not None and head.start() < html.index('class="card-fields"')
    labels = re.findall(r"<dt>(.*?)</dt>", head.group(1))
    assert labels == [label for label, _ in EXPECTED[state]]
    values = re.findall(r"<dd>(.*?)</dd>", head.group(1))
    for value, (_, part) in zip(values, EXPECTED[state], strict=True):
        assert part in re.sub(r"<[^>]+>@?", "", value)  # a person is a name chip


def test_the_header_in_english() -> None:
    card = incident_card(replace(_states()["fresh"], lang="en"), Ctx(T0, CFG, "en"))
    assert [f.label for f in card.summary] == ["Status", "Report duty", "Next deadline", "Paging"]
    assert card.summary[2].value == "Preliminary report (My Number Act) by 2026-11-30"
