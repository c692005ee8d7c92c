"""Privacy and operations: pages carry no personal data; INFO+ log lines carry no free text from
reports and name the incident; /metrics counts what happened; /healthz reflects the database."""

from __future__ import annotations

import io
import json
import logging

from bot.core.events import FormSubmitted
from bot.core.views import Card
from bot.logs import JsonFormatter
from tests.conftest import Clock
from tests.flows.helpers import config
from tests.support.harness import Harness

SECRETS = ["山田花子さんの給与明細", "経理部の共有フォルダ", "本人から聴取済みの経緯", "媒体は紙ではない", "誤報ではなかった"]


async def test_pages_and_logs_carry_no_personal_data_and_metrics_count(db_url: str, clock: Clock) -> None:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    h = Harness(db_url, config(), clock)
    try:
        out = await h.report(summary=f"{SECRETS[0]}を含むファイルが{SECRETS[1]}から消えた", notes=SECRETS[1])
        inc = out.incident_id
        await h.send(FormSubmitted(h.user("sato"), "item_note", {"note": SECRETS[2]}, f"{inc}|2.1"))
        await h.send(FormSubmitted(h.user("sato"), "item_na", {"reason": SECRETS[3]}, f"{inc}|1.2"))
        clock.advance(minutes=5, seconds=1)
        await h.tick()  # step 2 paged
        clock.advance(minutes=1)
        await h.press("suzuki", "ack", inc)
        await h.command("suzuki", f"close {inc} {SECRETS[4]}")
    finally:
        await h.close()
        root.removeHandler(handler)
        root.setLevel(old)
    # pages: the id and the severity, never the facts or the reporter
    pages = [s.view for s in h.adapter.ops("notify") if isinstance(s.view, Card) and any(b.action == "ack" for b in s.view.buttons)]
    assert len(pages) == 2
    for page in pages:
        flat = json.dumps(page.__dict__, ensure_ascii=False, default=str)
        assert inc in flat
        assert not any(s in flat for s in SECRETS) and "USB" not in flat and "yamada" not in flat
    # logs at INFO and above: no free text, and lines about the incident name it
    lines = [json.loads(x) for x in buf.getvalue().splitlines() if x.strip()]
    assert lines, "nothing was logged"
    text = buf.getvalue()
    assert not any(s in text for s in SECRETS), [s for s in SECRETS if s in text]
    about = [x for x in lines if inc in json.dumps(x, ensure_ascii=False)]
    assert about and all(x.get("incident") == inc for x in about), [x for x in about if x.get("incident") != inc][:3]
    # metrics
    metrics = h.runtime.metrics.render().decode()

    def value(name: str) -> float:
        return sum(float(line.split()[-1]) for line in metrics.splitlines() if line.startswith(name) and not line.startswith("#"))

    assert value('mynaleak_incidents_total{drill="false"}') == 1
    assert value("mynaleak_pages_total") == 2
    assert value("mynaleak_acks_total") == 1
    assert value("mynaleak_time_to_ack_seconds_count") == 1 and value("mynaleak_time_to_ack_seconds_sum") == 361  # 5 min 1 s + 1 min
    assert value("mynaleak_timer_lateness_seconds_count") >= 1
    assert value('mynaleak_messages_delivered_total{kind="notify"}') >= 3
