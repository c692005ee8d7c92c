"""The lifecycle's forms ("Record a submission", the notice decision — shown fresh and shown back
with errors) and a status card carrying records and a decision, rendered by every adapter: valid
Block Kit (slack_sdk's models, Slack's limits), valid Adaptive Card 1.5 (the official schema) and
well-formed, escaped HTML."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from adapters.playground.render import card_html, form_html
from adapters.slack import render as slack
from adapters.teams import render as teams
from bot.core.events import FormSubmitted
from bot.core.views import Card, Form
from flows import filing, notice
from flows.cards import incident_card
from flows.common import Ctx
from tests.adapters.playground.test_playground_render import parse
from tests.adapters.slack.blockkit import check_blocks, check_modal
from tests.adapters.teams.fakes import validate_card
from tests.flows.helpers import SATO, T0, config, report, step, submission

TZ = ZoneInfo("Asia/Tokyo")
EVIL = '<script>alert("x")</script>&"'


def _forms() -> list[Form]:
    cfg = config(appi_report_to="金融庁")
    inc, _ = report(cfg)
    ctx = Ctx(T0, cfg, "ja")
    shown_back = filing.form(inc, ctx, {"law": "appi", "kind": "supplement", "submitted_at": "x", "channel": "ministry", "receipt": EVIL},
                             {"kind": "確報が未記録です。", "submitted_at": "日時を入力してください。"})  # fmt: skip
    decided, _ = step(inc, FormSubmitted(SATO, "notice_decision", {"decision": "substitute", "reason": EVIL,
                                                                   "measures": ("publication", "inquiry_desk")}, inc.id), T0, cfg)  # fmt: skip
    return [
        filing.form(inc, ctx),
        shown_back,
        notice.form(inc, ctx),
        notice.form(decided, Ctx(T0, cfg, "en")),
        notice.form(
            inc, ctx, {"decision": "defer", "reason": "", "revisit_on": "", "measures": ()}, {"reason": "理由を入力してください。"}
        ),
    ]


def _card() -> Card:
    cfg = config()
    inc, _ = report(cfg)
    inc, _ = step(inc, submission(SATO, inc, "mynumber", "prelim", receipt=EVIL), T0.replace(hour=2), cfg)
    inc, _ = step(inc, FormSubmitted(SATO, "notice_decision", {"decision": "defer", "reason": EVIL, "revisit_on": "2026-12-07T09:00"}, inc.id),
                  T0.replace(hour=2), cfg)  # fmt: skip
    assert inc.submissions and inc.notice
    return incident_card(inc, Ctx(T0, cfg, "ja"))


@pytest.mark.parametrize("n", range(5), ids=["record", "record shown back", "notice", "notice decided (en)", "notice shown back"])
def test_the_lifecycle_forms_render_on_every_platform(n: int) -> None:
    form = _forms()[n]
    view = slack.modal(form, TZ, "C0INCIDENTS")
    check_modal(view)
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} == {i.name for i in form.inputs}
    card = teams.form(form)
    validate_card(card)
    html = form_html(form, "k1")
    parsed = parse(html)
    assert EVIL not in html and {a.get("name") for a in parsed.attrs if a.get("name")} >= {i.name for i in form.inputs}


def test_the_card_with_records_and_a_decision_renders_on_every_platform() -> None:
    card = _card()
    blocks, _ = slack.message(card)
    check_blocks(blocks)
    actions = {slack.action_of(el["action_id"]) for b in blocks if b["type"] == "actions" for el in b["elements"]}
    assert {"submission:record", "notice:decide"} <= actions
    out = teams.card(card)
    validate_card(out)
    assert {"action": "submission:record", "value": "ML-2026-0001"} in [a["data"] for a in out["actions"]]
    assert {"action": "notice:decide", "value": "ML-2026-0001"} in [a["data"] for a in out["actions"]]
    html = card_html(card)
    parse(html)
    assert EVIL not in html and "&lt;script&gt;" in json.dumps(blocks, ensure_ascii=False)  # escaped, not dropped
