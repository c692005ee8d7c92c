"""Issue 14: each `/mynaleak list` line (and so the Slack App Home) says, while paging, who is paged now
(第N段階 and the names) and the next report deadline not yet met by a recorded submission."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.core.events import FormSubmitted
from bot.core.model import Incident, IncidentSummary
from bot.core.views import plain
from flows import State
from tests.flows.helpers import (
    OUTSIDER,
    SATO,
    T0,
    TANAKA,
    command,
    config,
    escalation_timer,
    handle,  # flows.handle, with the cards drawn when sent drawn
    press,
    report,
    step,
    submission,
)

FACTS = {"people": "120", "people_max": "", "encrypted": "no", "exposed_online": "no", "wrongful_purpose": "no", "outsourcee": "no",
         "government_system": "no", "misuse_art9": "no", "provision_art19": "no", "sensitive_data": "no", "financial_harm": "no"}  # fmt: skip


def summary(inc: Incident) -> IncidentSummary:
    """What storage builds for the list (storage/store.py summaries)."""
    acked = inc.escalation.status == "acked"
    return IncidentSummary(inc.id, inc.status, inc.severity, inc.created_at, acked, len(inc.open_required()), inc.drill, inc)


def line(inc: Incident, lang: str = "ja", who: object = TANAKA) -> str:
    event = replace(command(who, "list"), lang=lang)  # type: ignore[arg-type]
    _, eff = handle(State(summaries=(summary(inc),)), event, T0, config())
    (field,) = eff[0].view.fields
    assert field.label == inc.id
    return plain(field.value)  # people by name (each is a mention token)


def reported() -> Incident:
    inc, _ = report()
    inc, _ = step(inc, FormSubmitted(TANAKA, "facts", FACTS, inc.id), T0)
    return inc


def test_a_paged_incident_names_the_step_and_the_people_and_the_next_deadline() -> None:
    inc = reported()
    text = line(inc)
    assert "未確認" in text and "呼び出し中：第1段階 佐藤 さん" in text
    assert "次の期限：速報（番号法）2026-11-30 まで" in text
    # the chain moves on: step 2 is named instead
    assert inc.escalation.next_at is not None
    moved, _ = step(inc, escalation_timer(inc), inc.escalation.next_at)
    assert moved.escalation.step == 1
    assert "第2段階 鈴木 さん" in line(moved) and "佐藤" not in line(moved)
    en = line(inc, "en")
    assert "Paging step 1: 佐藤" in en and "Next deadline: Preliminary report (My Number Act) by 2026-11-30" in en


def test_an_acknowledged_incident_names_nobody_but_keeps_its_deadline() -> None:
    inc, _ = step(reported(), press(SATO, "ack", reported().id), T0)
    assert inc.escalation.status == "acked"
    text = line(inc)
    assert "対応中" in text and "呼び出し中" not in text and "佐藤" not in text
    assert "次の期限：速報（番号法）2026-11-30 まで" in text


def test_a_recorded_preliminary_report_moves_the_next_deadline_to_the_final_report() -> None:
    inc = reported()
    later = T0 + timedelta(days=1, hours=7)  # 2026-11-27 17:00 in Tokyo
    inc, _ = step(inc, submission(SATO, inc, "mynumber", "prelim", "2026-11-27T15:00"), later)
    text = line(inc)
    assert "速報" not in text and "次の期限：確報（番号法）2026-12-25 まで" in text
    inc, _ = step(inc, submission(SATO, inc, "mynumber", "final", "2026-11-27T16:00"), later)
    assert "次の期限" not in line(inc)


def test_the_list_stays_refused_to_outsiders_and_shows_no_names() -> None:
    inc = reported()
    _, eff = handle(State(summaries=(summary(inc),)), command(OUTSIDER, "list"), T0, config())
    assert eff[0].view.tone == "warning" and "佐藤" not in str(eff[0].view) and inc.id not in str(eff[0].view)


def test_a_closed_incident_in_list_all_names_nobody_and_no_deadline() -> None:
    inc = reported()
    closed, _ = step(inc, command(TANAKA, f"close {inc.id} 誤報だったため"), T0)
    assert closed.status == "closed"
    _, eff = handle(State(summaries=(summary(closed),)), command(TANAKA, "list all"), T0, config())
    (field,) = eff[0].view.fields
    assert "クローズ済み" in field.value and "呼び出し中" not in field.value and "次の期限" not in field.value
