"""Cards → Block Kit and forms → modals: parsed by slack_sdk's models and inside Slack's limits, long
checklists condensed with everything left out named, typed text escaped."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.slack import render
from bot.core.model import UserRef
from bot.core.views import Button, Card, CheckItem, Field, Form, Input, Option, Section, mention
from flows.common import Ctx
from flows.intake import report_form
from tests.adapters.slack.blockkit import check_blocks, check_modal

TZ = ZoneInfo("Asia/Tokyo")
ITEM_BUTTONS = (
    Button("完了", "item:done", "v", "primary"),
    Button("該当なし", "item:na", "v"),
    Button("担当する", "item:take", "v"),
    Button("メモ", "item:note", "v"),
)


def _items(n: int, prefix: str = "", state: str = "open") -> tuple[CheckItem, ...]:
    return tuple(CheckItem(f"{prefix}{i}", f"{prefix}{i} やること {i}", state, "", tuple(Button(b.label, b.action, f"ML-2026-0001|{prefix}{i}", b.style) for b in ITEM_BUTTONS))  # type: ignore[arg-type]
                 for i in range(n))  # fmt: skip


def _text_of(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _shown_ids(blocks: list[dict], ids: list[str]) -> set[str]:
    text = _text_of(blocks)
    return {i for i in ids if re.search(rf"(?<![\w.]){re.escape(i)}(?![\w.])", text)}


@pytest.mark.parametrize("n", [3, 12, 24, 40, 60, 200])
def test_long_checklist_fits_and_names_everything(n):
    items = _items(n, "A.")
    card = Card(title="(1) 手順", sections=(Section(f"0/{n}", items=items),), footer="f")
    blocks, text = render.message(card)
    check_blocks(blocks)
    ids = [i.id for i in items]
    assert _shown_ids(blocks, ids) == set(ids), "an item vanished without being named"
    if n <= 24:
        assert not any("ほか" in b.get("text", {}).get("text", "") for b in blocks if b["type"] == "section")
    if n > 45:
        assert any("ほか" in b.get("text", {}).get("text", "") for b in blocks), "no explicit '…and N more' line"


def test_condensing_order_full_then_overflow_then_grouped():
    small = render.message(Card(title="t", sections=(Section("s", items=_items(5)),)))[0]
    assert sum(b["type"] == "actions" for b in small) == 5  # every item with its own buttons
    mid = render.message(Card(title="t", sections=(Section("s", items=_items(30)),)))[0]
    assert all(b.get("accessory", {}).get("type") == "overflow" for b in mid[2:])  # folded into overflow menus
    settled = _items(40, "D.", "done") + _items(15, "O.")
    grouped = render.message(Card(title="t", sections=(Section("s", items=settled),)))[0]
    check_blocks(grouped)
    group_line = next(b["text"]["text"] for b in grouped if "D.39" in b.get("text", {}).get("text", ""))
    assert "40" in group_line and "D.0," in group_line  # settled items grouped on one line, each named
    assert sum("O." in b.get("text", {}).get("text", "") for b in grouped) == 15  # open items still one by one


def test_many_sections_still_under_50_blocks_and_named():
    sections = tuple(Section(f"step {s}", items=_items(3, f"{s}.")) for s in range(60))
    blocks, _ = render.message(Card(title="t", sections=sections, buttons=(Button("ok", "ack", "x"),)))
    check_blocks(blocks)
    assert _shown_ids(blocks, [f"{s}.{i}" for s in range(60) for i in range(3)]) == {f"{s}.{i}" for s in range(60) for i in range(3)}


def test_long_text_is_split_not_cut():
    text = "\n".join(f"行 {i} " + "あ" * 80 for i in range(120))
    blocks, fallback = render.message(Card(title="t", text=text))
    check_blocks(blocks)
    joined = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert joined.replace("\n", "") == text.replace("\n", "")
    assert len(fallback) <= 3000


def test_typed_text_cannot_ping_or_forge_links_but_mentions_work():
    sato = UserRef("slack", "U0SATO", "Sato")
    teams = UserRef("teams", "29:x", "Jo")
    forged = UserRef("slack", "U1>|<!here", "x")
    card = Card(title="<!channel>", text=f"<!channel> <https://evil|click> & {mention(sato)} {mention(teams)} {mention(forged)}")
    blocks, fallback = render.message(card)
    body = blocks[1]["text"]["text"]
    assert "<!channel>" not in body and "<https://" not in body and "<!here" not in body
    assert "<@U0SATO>" in body and " Jo " in body and "@Jo" not in body and "&amp;" in body  # no Slack id: the name
    assert "<!channel>" not in fallback and "<@U0SATO>" in fallback


def test_fields_chunked_by_ten_and_labels_clipped_visibly():
    fields = tuple(Field(f"L{i}", "v" * (3000 if i == 0 else 5)) for i in range(14))
    buttons = tuple(Button("x" * 100 if i == 0 else f"b{i}", "act", str(i)) for i in range(30))
    blocks, _ = render.message(Card(title="T" * 200, fields=fields, buttons=buttons))
    check_blocks(blocks)
    assert [len(b["fields"]) for b in blocks if "fields" in b] == [10, 4]
    assert blocks[0]["text"]["text"].endswith("…")
    assert [len(b["elements"]) for b in blocks if b["type"] == "actions"] == [25, 5]
    assert len({el["action_id"] for b in blocks if b["type"] == "actions" for el in b["elements"]}) == 30


def test_a_button_value_slack_cannot_carry_is_an_error_not_a_silent_cut():
    with pytest.raises(render.RenderError):
        render.message(Card(title="t", buttons=(Button("b", "a", "v" * 2001),)))


def test_report_form_as_modal(org):
    ctx = Ctx(datetime(2026, 11, 26, 1, 0, tzinfo=UTC), org, "ja")
    form = report_form(ctx)
    view = render.modal(form, TZ, "C0GENERAL")
    check_modal(view)
    assert view["callback_id"] == "report"
    assert json.loads(view["private_metadata"]) == {"f": "report", "c": "", "p": "C0GENERAL"}
    by_id = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert by_id["discovered_at"]["element"]["initial_date_time"] == int(datetime(2026, 11, 26, 1, 0, tzinfo=UTC).timestamp())
    assert by_id["medium"]["element"]["type"] == "static_select" and by_id["summary"]["element"]["multiline"]
    assert [o["value"] for o in by_id["data_items"]["element"]["initial_options"]] == ["mynumber"]
    assert by_id["occurred_at"]["optional"] and not by_id["summary"]["optional"]
    assert by_id["people"]["element"]["type"] == "number_input"


def test_modal_long_title_and_errors():
    form = Form("item_na", "とても長いフォームのタイトルでスラックの上限を超える", "保存", (Input("reason", "理由", "textarea", True, max_length=1000),),
                context="ML-2026-0001|1.2", intro="説明", errors={"reason": "入力してください。", "ghost": "x"})  # fmt: skip
    view = render.modal(form, TZ)
    check_modal(view)
    assert view["title"]["text"].endswith("…")
    assert "とても長いフォームのタイトルでスラックの上限を超える" in view["blocks"][0]["text"]["text"]
    assert render.form_errors(form) == {"reason": "入力してください。"}
    bad = Form("f", "t", "s", (Input("x", "x", "select", options=tuple(Option(str(i), str(i)) for i in range(101))),))
    with pytest.raises(render.RenderError):
        render.modal(bad, TZ)


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=400)
_button = st.builds(
    Button,
    _text.filter(bool),
    st.sampled_from(["ack", "item:done", "item:na"]),
    st.text(max_size=40),
    st.sampled_from(["default", "primary", "danger"]),
)
_item = st.builds(
    CheckItem,
    st.text(min_size=1, max_size=8),
    _text,
    st.sampled_from(["open", "done", "na"]),
    _text,
    st.lists(_button, max_size=6).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_text,
    text=st.text(max_size=5000),
    fields=st.lists(st.builds(Field, _text, _text), max_size=25).map(tuple),
    sections=st.lists(st.builds(Section, _text, _text, st.lists(_item, max_size=30).map(tuple)), max_size=8).map(tuple),
    buttons=st.lists(_button, max_size=30).map(tuple),
)
def test_any_card_renders_within_limits(title, text, fields, sections, buttons):
    card = Card(title=title, text=text, fields=fields, sections=sections, buttons=buttons, footer="x")
    blocks, fallback = render.message(card)
    if blocks:
        check_blocks(blocks)
    assert 0 < len(fallback) <= 3000


def test_the_card_of_an_incident_nobody_acknowledged_offers_page_again():
    from flows.cards import incident_card
    from tests.flows.helpers import config, exhausted

    inc, now = exhausted()
    blocks, _ = render.message(incident_card(inc, Ctx(now, config(), "ja")))
    check_blocks(blocks)
    buttons = [el for b in blocks if b["type"] == "actions" for el in b["elements"] if el["type"] == "button"]
    (page,) = [el for el in buttons if render.action_of(el["action_id"]) == "page"]
    assert page["value"] == inc.id and page["text"]["text"] == "もう一度呼び出す"
