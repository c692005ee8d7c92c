"""Recurrence-prevention measures recorded on the prevention step, and the not-applicable kind
(does not apply / a gap): the flow, and through the runtime on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

from bot.core.effects import Audit, OpenForm, RejectForm, Reply, Update
from bot.core.events import FormSubmitted
from bot.core.views import Card
from storage.audit import verify_chain
from tests.conftest import Clock
from tests.flows.helpers import OUTSIDER, SATO, SUZUKI, T0, config, minutes, press, report, step
from tests.support.harness import Harness

MEASURE = {"text": "個人番号を含むデータの社外持出しを禁止した", "status": "done", "on": "2026/12/１"}


def _measure(inc_id: str, values: dict[str, str], who=SUZUKI) -> FormSubmitted:
    return FormSubmitted(who, "measure_add", values, inc_id)


def test_the_prevention_step_card_has_the_button_and_the_form_asks_what_status_and_date() -> None:
    inc, effects = report()
    step4 = next(e.view for e in effects if isinstance(getattr(e, "view", None), Card) and e.view.title.startswith("(4)"))  # type: ignore[union-attr]
    (button,) = step4.buttons
    assert button.action == "measure:add" and button.value == inc.id
    others = [e.view for e in effects if isinstance(getattr(e, "view", None), Card) and e.view.title.startswith(("(1)", "(5)"))]  # type: ignore[union-attr]
    assert others and all(not v.buttons for v in others)
    inc, _ = step(inc, press(SATO, "ack", inc.id), T0 + minutes(1))
    _, opened = step(inc, press(SUZUKI, "measure:add", inc.id), T0 + minutes(2))
    (form,) = [e for e in opened if isinstance(e, OpenForm)]
    assert [i.name for i in form.form.inputs] == ["text", "status", "on"] and form.form.context == inc.id


def test_a_measure_is_stored_shown_on_the_step_card_and_audited() -> None:
    inc, _ = report()
    inc, effects = step(inc, _measure(inc.id, MEASURE), T0 + minutes(5))
    (m,) = inc.measures
    assert (m.id, m.text, m.status, m.on, m.by.key) == (1, MEASURE["text"], "done", date(2026, 12, 1), "suzuki")  # type: ignore[union-attr]
    card = next(e.view for e in effects if isinstance(e, Update) and e.tag == "step:4")
    assert "実施済み（2026-12-01）: 個人番号を含むデータの社外持出しを禁止した" in card.text
    (audit,) = [e for e in effects if isinstance(e, Audit)]
    assert audit.action == "measure.added" and audit.detail["status"] == "done" and audit.detail["on"] == "2026-12-01"
    inc, _ = step(inc, _measure(inc.id, {"text": "研修計画を策定する", "status": "planned", "on": ""}), T0 + minutes(6))
    assert [(x.id, x.status, x.on) for x in inc.measures] == [(1, "done", date(2026, 12, 1)), (2, "planned", None)]


def test_bad_input_keeps_the_form_open_with_errors_and_stores_nothing() -> None:
    inc, _ = report()
    bad = {"text": "", "status": "someday", "on": "来週"}
    same, effects = step(inc, _measure(inc.id, bad), T0 + minutes(5))
    (reject,) = [e for e in effects if isinstance(e, RejectForm)]
    assert set(reject.form.errors) == {"text", "status", "on"} and same.measures == ()
    same, effects = step(inc, _measure(inc.id, {**MEASURE, "on": "2026-02-30"}), T0 + minutes(5))
    assert [e for e in effects if isinstance(e, RejectForm)][0].form.errors.keys() == {"on"} and same.measures == ()


def test_a_my_number_in_a_measure_is_masked_and_only_responders_may_record() -> None:
    inc, _ = report()
    inc, effects = step(inc, _measure(inc.id, {**MEASURE, "text": "番号 123456789018 の件で運用変更"}), T0 + minutes(5))
    assert "123456789018" not in inc.measures[0].text and "運用変更" in inc.measures[0].text
    assert any(isinstance(e, Reply) for e in effects)
    same, effects = step(inc, _measure(inc.id, MEASURE, who=OUTSIDER), T0 + minutes(6))
    assert len(same.measures) == 1 and all(not isinstance(e, Update) for e in effects)


def test_not_applicable_records_whether_it_is_a_gap() -> None:
    inc, _ = report()
    _, opened = step(inc, press(SATO, "item:na", f"{inc.id}|4.5"), T0 + minutes(1))
    (form,) = [e for e in opened if isinstance(e, OpenForm)]
    assert [i.name for i in form.form.inputs] == ["kind", "reason"]
    gap = FormSubmitted(SATO, "item_na", {"kind": "gap", "reason": "研修計画はそもそも未策定"}, f"{inc.id}|4.5")
    inc, effects = step(inc, gap, T0 + minutes(2))
    item = inc.item("4.5")
    assert (item.state, item.na_kind) == ("na", "gap")  # type: ignore[union-attr]
    assert next(e for e in effects if isinstance(e, Audit)).detail["kind"] == "gap"
    odd = FormSubmitted(SATO, "item_na", {"kind": "maybe", "reason": "x"}, f"{inc.id}|4.6")
    same, effects = step(inc, odd, T0 + minutes(3))
    assert any(isinstance(e, RejectForm) and "kind" in e.form.errors for e in effects) and same.item("4.6").state == "open"  # type: ignore[union-attr]


async def test_measures_survive_the_store_and_are_in_the_audit_chain(db_url: str, clock: Clock) -> None:
    h = Harness(db_url, config(), clock)
    try:
        inc_id = (await h.report()).incident_id
        await h.press("sato", "ack", inc_id)
        await h.send(FormSubmitted(h.user("suzuki"), "measure_add", MEASURE, inc_id))
        await h.send(FormSubmitted(h.user("sato"), "item_na", {"kind": "gap", "reason": "研修計画は未策定"}, f"{inc_id}|4.5"))
        async with h.store.tx() as tx:
            loaded = await tx.load(inc_id)
            rows = await tx.audit_rows(inc_id)
        assert loaded is not None
        assert [(m.text, m.status, m.on) for m in loaded.incident.measures] == [(MEASURE["text"], "done", date(2026, 12, 1))]
        assert loaded.incident.item("4.5").na_kind == "gap"  # type: ignore[union-attr]
        assert "measure.added" in [r["action"] for r in rows]
        assert verify_chain(inc_id, rows, loaded.audit_head, loaded.audit_seq) == []
    finally:
        await h.close()
