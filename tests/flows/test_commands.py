"""Commands: help, status, list, close (with its rules), unknown verbs."""

from __future__ import annotations

from bot.core.effects import CancelMessages, CancelTimers, Post, Reply, Update
from bot.core.model import IncidentSummary
from flows import State, needs
from tests.flows.helpers import (
    OUTSIDER,
    REPORTER,
    SATO,
    T0,
    TANAKA,
    command,
    config,
    finish,
    handle,  # flows.handle, with the cards drawn when sent drawn
    of,
    report,
    step,
)


def test_close_refused_while_required_items_are_open() -> None:
    inc, _ = report()
    same, eff = step(inc, command(SATO, f"close {inc.id}"), T0)
    assert same == inc
    (reply,) = eff
    assert "理由" in reply.view.text and str(len(inc.open_required())) in reply.view.text


def test_close_with_a_reason_is_recorded() -> None:
    inc, _ = report()
    closed, eff = step(inc, command(TANAKA, f"close {inc.id} 誤報と判明したため"), T0)
    assert closed.status == "closed" and closed.close_reason == "誤報と判明したため" and closed.closed_by.key == "tanaka"
    assert CancelTimers(()) in eff and CancelMessages("page:") in eff
    assert {u.tag for u in of(eff, Update)} >= {"card", "step:1", "step:6"}
    assert any("誤報と判明したため" in p.view.text for p in of(eff, Post))
    audit = [e for e in eff if type(e).__name__ == "Audit"][0]
    assert audit.detail["reason"] == "誤報と判明したため" and audit.detail["open_items"]


def test_close_when_all_done_needs_no_reason() -> None:
    inc, _ = report()
    inc = finish(inc)  # the report item is done once the 確報 are recorded
    closed, _ = step(inc, command(SATO, f"close {inc.id}"), T0)
    assert closed.status == "closed" and closed.close_reason == ""


def test_close_by_outsider_or_reporter_refused() -> None:
    inc, _ = report()
    for who in (OUTSIDER, REPORTER):
        same, eff = step(inc, command(who, f"close {inc.id} 理由"), T0)
        assert same == inc and eff[0].view.tone == "warning"


def test_close_twice_says_already_closed() -> None:
    inc, _ = report()
    inc, _ = step(inc, command(SATO, f"close {inc.id} 理由"), T0)
    same, eff = step(inc, command(SATO, f"close {inc.id} 理由"), T0)
    assert same == inc and "既に" in eff[0].view.text


def test_needs_routes_each_command() -> None:
    assert needs(command(SATO, "close ml-2026-0001 x")).incident_id == "ML-2026-0001"
    assert needs(command(SATO, "status ML-2026-0001")).incident_id == "ML-2026-0001"
    assert needs(command(SATO, "list")).summaries
    assert needs(command(SATO, "report")).incident_id is None


def test_status_for_reporter_and_responders_not_outsiders() -> None:
    inc, _ = report()
    for who, ok in ((REPORTER, True), (SATO, True), (OUTSIDER, False)):
        _, eff = handle(State(incident=inc), command(who, f"status {inc.id}"), T0, config())
        (reply,) = eff
        assert (reply.view.title.endswith(inc.id)) is ok


def test_list_hides_drills_and_closed_unless_asked() -> None:
    rows = (
        IncidentSummary("ML-2026-0002", "open", "high", T0, False, 20),
        IncidentSummary("ML-2026-0001", "closed", "low", T0, True, 0),
        IncidentSummary("ML-DRILL-2026-0001", "open", "medium", T0, False, 20, drill=True),
    )
    _, eff = handle(State(summaries=rows), command(SATO, "list"), T0, config())
    assert [f.label for f in eff[0].view.fields] == ["ML-2026-0002"]
    _, eff = handle(State(summaries=rows), command(SATO, "list all"), T0, config())
    assert len(eff[0].view.fields) == 3
    _, eff = handle(State(summaries=rows), command(OUTSIDER, "list"), T0, config())
    assert eff[0].view.tone == "warning"


def test_help_and_unknown_commands() -> None:
    _, eff = handle(State(), command(OUTSIDER, "help"), T0, config())
    assert "/mynaleak report" in eff[0].view.text
    _, eff = handle(State(), command(OUTSIDER, "frobnicate"), T0, config())
    assert isinstance(eff[0], Reply) and "frobnicate" in eff[0].view.text
    _, eff = handle(State(), command(OUTSIDER, "help"), T0, config(language="en"))
    assert "report a leak" in eff[0].view.text


def test_close_of_missing_incident() -> None:
    _, eff = handle(State(), command(SATO, "close ML-2026-0999"), T0, config())
    assert "ML-2026-0999" in eff[0].view.text


def _verbs_routed() -> set[str]:
    """The verbs flows._command answers, read from its source: every ``verb == "…"`` it tests."""
    import ast
    import inspect

    import flows

    tree = ast.parse(inspect.getsource(flows._command))
    return {
        c.comparators[0].value
        for c in ast.walk(tree)
        if isinstance(c, ast.Compare)
        and isinstance(c.left, ast.Name)
        and c.left.id == "verb"
        and isinstance(c.comparators[0], ast.Constant)
    }


def test_help_lists_every_command_in_both_languages() -> None:
    from dataclasses import replace

    from bot.core.platform import DEFAULT_COMMAND
    from flows.commands import VERBS

    assert _verbs_routed() == set(VERBS) and "drill" in VERBS
    for lang in ("ja", "en"):
        _, eff = handle(State(), replace(command(OUTSIDER, "help"), lang=lang), T0, config())
        (reply,) = eff
        missing = [v for v in VERBS if f"{DEFAULT_COMMAND}{v}" not in reply.view.text]
        assert not missing, (lang, missing)


def test_close_refused_names_the_first_twenty_and_counts_the_rest() -> None:
    from dataclasses import replace

    inc, _ = report()
    assert len(inc.open_required()) == 23
    _, eff = step(inc, command(SATO, f"close {inc.id}"), T0)
    text = eff[0].view.text
    assert "23件" in text and "ほか3件" in text
    assert all(i.id in text for i in inc.open_required()[:20]) and f"{inc.open_required()[20].id}," not in text
    _, eff = step(inc, replace(command(SATO, f"close {inc.id}"), lang="en"), T0)
    assert "23 required item(s)" in eff[0].view.text and "and 3 more" in eff[0].view.text
    # exactly twenty: all named, nothing more
    few = replace(inc, items=tuple(i for i in inc.items if i not in inc.open_required()[20:]))
    _, eff = step(few, command(SATO, f"close {inc.id}"), T0)
    assert "20件" in eff[0].view.text and "ほか" not in eff[0].view.text


def test_list_all_has_its_own_title_and_drills_one_label() -> None:
    from dataclasses import replace

    rows = (
        IncidentSummary("ML-2026-0002", "open", "high", T0, False, 20),
        IncidentSummary("ML-2026-0001", "closed", "low", T0, True, 0),
        IncidentSummary("ML-DRILL-2026-0001", "open", "medium", T0, False, 20, drill=True),
    )
    _, eff = handle(State(summaries=rows), command(SATO, "list"), T0, config())
    assert eff[0].view.title == "対応中の事案（1件）"
    _, eff = handle(State(summaries=rows), command(SATO, "list all"), T0, config())
    card = eff[0].view
    assert "対応中" not in card.title and "クローズ済み" in card.title and "3件" in card.title
    assert [f.label for f in card.fields][2] == "【訓練】 ML-DRILL-2026-0001"
    _, eff = handle(State(summaries=rows), replace(command(SATO, "list all"), lang="en"), T0, config())
    card = eff[0].view
    assert not card.title.startswith("Open") and "closed" in card.title
    assert [f.label for f in card.fields][2] == "[DRILL] ML-DRILL-2026-0001"
    _, eff = handle(State(), command(SATO, "list all"), T0, config())
    assert "対応中" not in eff[0].view.text


def test_a_card_closed_with_open_items_says_so_and_shows_the_reason() -> None:
    from dataclasses import replace

    inc, _ = report()
    closed, eff = step(inc, command(TANAKA, f"close {inc.id} 誤報と判明したため"), T0)
    card = next(u.view for u in of(eff, Update) if u.tag == "card")
    fields = {f.label: f.value for f in card.summary + card.fields}
    assert "完了（クローズ）" not in fields["状況"] and "未完了の必須項目が23件" in fields["状況"]
    assert fields["クローズの理由"] == "誤報と判明したため"
    assert card.tone == "warning"
    from flows.cards import incident_card
    from flows.common import Ctx

    en = incident_card(replace(closed, lang="en"), Ctx(T0, config(), "en"))
    fields = {f.label: f.value for f in en.summary + en.fields}
    assert "23 required item(s) still open" in fields["Status"] and fields["Reason for closing"] == "誤報と判明したため"
    # every item done: closed plainly, no reason field
    inc = finish(inc)
    _, eff = step(inc, command(SATO, f"close {inc.id}"), T0)
    card = next(u.view for u in of(eff, Update) if u.tag == "card")
    assert "完了（クローズ）" in card.summary[0].value and card.tone == "success"
    assert "クローズの理由" not in {f.label for f in card.summary + card.fields}
