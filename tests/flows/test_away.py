"""Deputies and time (flows.away), as pure flows: away with and without a deputy (from the organisation
file and from the command), an away set during an incident, a period that ended, the off-hours chain
on a weekday night / Saturday / holiday / in business hours, the command's answers, and check-config."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.away import Away, ClearAway, SetAway
from bot.core.config import ConfigError, OrgConfig
from bot.core.effects import Notify, Post, Reply, Update
from bot.core.events import CommandInvoked
from bot.core.model import Incident
from bot.core.views import Card, plain
from flows import State
from tests.flows.helpers import (
    DM,
    ORG,
    REPORTER,
    SATO,
    SUZUKI,
    T0,
    TAKAHASHI,
    TANAKA,
    config,
    escalation_timer,
    handle,  # flows.handle, with the cards drawn when sent drawn
    minutes,
    of,
    press,
    report,
)

JST = ZoneInfo("Asia/Tokyo")
PEOPLE = {**ORG["people"], "yamada": {"name": "山田", "playground": "yamada"}}  # in the file, in no chain


def jst(*args: int) -> datetime:
    return datetime(*args, tzinfo=JST)  # type: ignore[misc]


def org(**over: object) -> OrgConfig:
    return config(**{"people": PEOPLE, **over})


def paged(effects: list) -> list[str]:
    return [n.user.key for n in of(effects, Notify) if n.tag.startswith("page:")]


def thread(effects: list) -> str:
    return plain("\n".join(p.view.text for p in of(effects, Post)))  # people by name (each is a mention token)


def card_text(effects: list) -> str:
    cards = [u.view for u in of(effects, Update) if u.tag == "card"] + [p.view for p in of(effects, Post) if p.tag == "card"]
    return plain("\n".join(f"{f.label}: {f.value}" for f in cards[-1].fields))


def reported(cfg: OrgConfig, away: tuple[Away, ...] = (), now: datetime = T0) -> tuple[Incident, list]:
    inc, effects = handle(State(new_id="ML-2026-0001", away=away), report_form(now), now, cfg)
    assert inc is not None, effects
    return inc, effects


def report_form(now: datetime):  # the helpers' report form, its times before ``now``
    from bot.core.events import FormSubmitted
    from tests.flows.helpers import GOOD

    local = now.astimezone(JST)
    times = {
        "discovered_at": (local - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "occurred_at": (local - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    return FormSubmitted(REPORTER, "report", {**GOOD, **times}, place=DM)


def fire(inc: Incident, now: datetime, cfg: OrgConfig, away: tuple[Away, ...] = ()) -> tuple[Incident, list]:
    new, effects = handle(State(incident=inc, away=away), escalation_timer(inc), now, cfg)
    return new or inc, effects


SATO_AWAY = {"person": "sato", "from": "2026-11-25", "to": "2026-11-27"}  # covers T0 (Thu 26 Nov 10:00 JST)


@pytest.mark.parametrize("source", ["file", "command"])
@pytest.mark.parametrize(
    ("period", "first", "note", "card"),
    [
        (
            {**SATO_AWAY, "deputy": "tanaka"},
            ["tanaka"],
            "佐藤 さんは不在のため、代理の 田中 さんに連絡します",
            "佐藤 さん（不在・代理 田中 さん）",
        ),
        (SATO_AWAY, ["suzuki"], "佐藤 さんは不在（代理なし）のため、この段階から外しました", "第2段階／全3段階：鈴木"),
        ({"person": "sato", "from": "2026-11-20", "to": "2026-11-25", "deputy": "tanaka"}, ["sato"], "", "第1段階／全3段階：佐藤 さん（"),
        (
            {"person": "sato", "from": "2026-11-26T11:00", "to": "2026-11-27", "deputy": "tanaka"},
            ["sato"],
            "",
            "第1段階／全3段階：佐藤 さん（",
        ),
    ],
    ids=["deputy", "no deputy: skipped, next step at once", "period ended", "period not begun"],
)
def test_away_at_report(source: str, period: dict, first: list[str], note: str, card: str) -> None:
    if source == "file":
        cfg, stored = org(away=[period]), ()
    else:
        cfg = org()
        tz = cfg.tz
        from bot.core.away import parse_when

        start, end = parse_when(period["from"], tz), parse_when(period["to"], tz, end=True)
        assert start and end
        stored = (Away(period["person"], start, end, period.get("deputy", ""), "playground:sato"),)
    inc, effects = reported(cfg, stored)
    assert paged(effects) == first
    if note:
        assert note in thread(effects)
    else:
        assert "不在" not in thread(effects)
    assert card in card_text(effects)


def test_deputy_acknowledges_and_card_follows() -> None:
    cfg = org(away=[{**SATO_AWAY, "deputy": "tanaka"}])
    inc, _ = reported(cfg)
    assert [u.key for u in inc.escalation.chain[0].people] == ["tanaka"]
    new, effects = handle(State(incident=inc), press(TANAKA, "ack", inc.id), T0 + minutes(1), cfg)
    assert new is not None and new.escalation.status == "acked" and new.escalation.acked_by.key == "tanaka"


def test_away_set_during_an_incident_applies_at_the_next_step() -> None:
    cfg = org()
    inc, effects = reported(cfg)
    assert paged(effects) == ["sato"]
    # suzuki (step 2) goes away after the report, deputy takahashi: honoured when step 2 is paged
    away = (Away("suzuki", T0 + minutes(1), T0 + timedelta(days=1), "takahashi", "playground:suzuki"),)
    inc, effects = fire(inc, T0 + minutes(5), cfg, away)
    assert paged(effects) == ["takahashi"]
    assert "鈴木 さんは不在のため、代理の 高橋 さんに連絡します" in thread(effects)
    assert "鈴木 さん（不在・代理 高橋 さん）" in card_text(effects)
    # the next step (takahashi's own) after the away ended: takahashi is paged as himself
    inc, effects = fire(inc, T0 + minutes(15), cfg, ())
    assert paged(effects) == ["takahashi"] and "不在" not in thread(effects)


def test_everyone_away_exhausts_the_chain() -> None:
    cfg = org(away=[{**SATO_AWAY, "person": h} for h in ("sato", "suzuki", "takahashi")])
    inc, effects = reported(cfg)
    assert paged(effects) == []
    assert inc.escalation.status == "exhausted"
    assert "確認" in thread(effects)  # the chain's end is told in the thread


# ---- the off-hours chain --------------------------------------------------------------------------
OFF = {"steps": [{"people": ["tanaka"], "wait_minutes": 3}], "repeat_last": 1}


@pytest.mark.parametrize(
    ("at", "off"),
    [
        (jst(2026, 11, 26, 10, 0), False),  # Thursday, business hours
        (jst(2026, 11, 26, 22, 0), True),  # Thursday night
        (jst(2026, 11, 26, 8, 59), True),  # before business hours
        (jst(2026, 11, 28, 11, 0), True),  # Saturday
        (jst(2026, 11, 23, 11, 0), True),  # 勤労感謝の日 (Monday, a national holiday)
        (jst(2026, 12, 30, 11, 0), True),  # year-end closure (a Wednesday)
    ],
    ids=["business hours", "weekday night", "early morning", "saturday", "holiday", "year end"],
)
def test_off_hours_chain(at: datetime, off: bool) -> None:
    cfg = org(escalation={**ORG["escalation"], "off_hours": OFF})
    inc, effects = reported(cfg, now=at.astimezone(UTC))
    assert inc.escalation.off_hours is off
    assert paged(effects) == (["tanaka"] if off else ["sato"])
    assert len(inc.escalation.chain) == (1 if off else 3)
    assert inc.escalation.repeat_last == (1 if off else 2)
    assert ("夜間・休日の連絡体制で呼び出します" in thread(effects)) is off
    assert ("呼び出し（夜間・休日の連絡体制）" in card_text(effects)) is off
    # without an off-hours chain the normal chain is paged at any hour
    plain, effects = reported(org(), now=at.astimezone(UTC))
    assert paged(effects) == ["sato"] and not plain.escalation.off_hours


def test_off_hours_people_are_staff() -> None:
    cfg = org(escalation={"steps": [{"people": ["sato"]}], "off_hours": {"steps": [{"people": ["yamada"]}]}})
    assert cfg.is_staff(REPORTER)  # yamada is in the off-hours chain: may set away for others


# ---- the command ------------------------------------------------------------------------------------
def cmd(user, text: str, away: tuple[Away, ...] = (), cfg: OrgConfig | None = None) -> list:
    new, effects = handle(State(away=away), CommandInvoked(user, DM, text, trigger="t1"), T0, cfg or org())
    assert new is None
    return effects


def answer(effects: list) -> str:
    (reply,) = of(effects, Reply)
    assert isinstance(reply.view, Card)
    return reply.view.text + "".join(f"{f.label}{f.value}" for f in reply.view.fields) + reply.view.title


@pytest.mark.parametrize(
    ("user", "text", "stored", "said"),
    [
        (
            SATO,
            "away 2026-12-28 2027-01-04 suzuki",
            Away("sato", jst(2026, 12, 28), jst(2027, 1, 5), "suzuki", "playground:sato"),
            "代理の 鈴木 さん",
        ),
        (
            SATO,
            "不在 2026/12/28T18:00 2026-12-29T09:30",
            Away("sato", jst(2026, 12, 28, 18), jst(2026, 12, 29, 9, 30), "", "playground:sato"),
            "呼び出されません",
        ),
        (
            TANAKA,
            "away sato 2026-12-28 2026-12-28 鈴木",
            Away("sato", jst(2026, 12, 28), jst(2026, 12, 29), "suzuki", "playground:tanaka"),
            "佐藤 さんの不在期間",
        ),
        (
            REPORTER,
            "away 2026-12-28 2026-12-29",
            Away("yamada", jst(2026, 12, 28), jst(2026, 12, 30), "", "playground:yamada"),
            "山田 さんの不在期間",
        ),
    ],
    ids=["self with deputy", "alias, times, no deputy", "responder for another, deputy by name", "anyone in the file for themselves"],
)
def test_away_command_sets(user, text: str, stored: Away, said: str) -> None:
    effects = cmd(user, text)
    assert of(effects, SetAway) == [SetAway(stored)]
    assert said in answer(effects)


@pytest.mark.parametrize(
    ("user", "text", "said"),
    [
        (REPORTER, "away sato 2026-12-28 2026-12-29", "本人か、連絡体制・対応メンバーの人だけ"),
        (REPORTER.__class__("playground", "stranger"), "away 2026-12-28 2026-12-29", "組織ファイルに登録されている人だけ"),
        (SATO, "away 2026-13-01 2026-12-29", "「2026-13-01」は日付として読めません"),
        (SATO, "away 2026-12-28 tomorrow", "「tomorrow」は日付として読めません"),
        (SATO, "away 2026-12-29 2026-12-28", "開始は終了より前"),
        (SATO, "away 2026-11-01 2026-11-02", "もう終わっています"),
        (SATO, "away 2026-12-28 2026-12-29 nobody", "「nobody」という人は組織ファイルにいません"),
        (SATO, "away nobody 2026-12-28 2026-12-29", "「nobody」という人は組織ファイルにいません"),
        (SATO, "away 2026-12-28 2026-12-29 sato", "本人を代理にはできません"),
        (SATO, "away 2026-12-28", "使い方"),
    ],
    ids=[
        "other, not staff",
        "not in the file",
        "bad date",
        "bad end",
        "order",
        "over",
        "unknown deputy",
        "unknown person",
        "self deputy",
        "usage",
    ],
)
def test_away_command_refuses(user, text: str, said: str) -> None:
    effects = cmd(user, text)
    assert of(effects, SetAway) == []
    assert said in answer(effects)


def test_away_command_lists_and_clears() -> None:
    mine = Away("sato", jst(2026, 11, 26), jst(2026, 11, 28), "tanaka", "playground:sato")
    cfg = org(away=[{"person": "suzuki", "from": "2026-12-01", "to": "2026-12-02"}])
    listed = answer(cmd(SATO, "away", (mine,), cfg))
    assert "佐藤 — コマンドで設定" in listed and "代理 田中 さん" in listed and "鈴木 — 組織ファイル" in listed
    assert "設定されている不在期間はありません" in answer(cmd(SATO, "away list", (), org()))
    effects = cmd(SATO, "away off", (mine,))
    assert of(effects, ClearAway) == [ClearAway("sato", T0)] and "解除しました" in answer(effects)
    assert of(cmd(TANAKA, "away clear sato", (mine,)), ClearAway) == [ClearAway("sato", T0)]
    refused = cmd(REPORTER, "away off sato", (mine,))
    assert of(refused, ClearAway) == [] and "本人か" in answer(refused)
    nothing = cmd(SUZUKI, "away 解除", (), cfg)  # the file's period is changed in the file
    assert of(nothing, ClearAway) == [] and "コマンドで設定された不在期間がありません" in answer(nothing)


def test_away_command_in_english() -> None:
    effects = cmd(TAKAHASHI, "away 2026-12-28 2026-12-29 sato", cfg=org(language="en"))
    assert "Their pages go to their deputy 佐藤" in answer(effects)


# ---- check-config -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("over", "problem"),
    [
        ({"away": {"sato": "2026-12-28"}}, "away: expected a list"),
        ({"away": ["sato"]}, "away[0]: expected a mapping"),
        ({"away": [{"person": "nobody", "from": "2026-12-28", "to": "2026-12-29"}]}, "away[0].person: unknown person 'nobody'"),
        ({"away": [{**SATO_AWAY, "deputy": "nobody"}]}, "away[0].deputy: unknown person 'nobody'"),
        ({"away": [{**SATO_AWAY, "deputy": "sato"}]}, "away[0].deputy: a person cannot be their own deputy"),
        ({"away": [{**SATO_AWAY, "from": "next week"}]}, "away[0].from: expected a date"),
        ({"away": [{**SATO_AWAY, "to": None}]}, "away[0].to: expected a date"),
        ({"away": [{**SATO_AWAY, "from": "2026-11-28"}]}, "away[0]: from must be before to"),
        ({"away": [{**SATO_AWAY, "until": "2026-11-28"}]}, "away[0].until: unknown setting"),
        ({"escalation": {**ORG["escalation"], "off_hours": ["tanaka"]}}, "escalation.off_hours: expected a mapping"),
        ({"escalation": {**ORG["escalation"], "off_hours": {"steps": []}}}, "escalation.off_hours.steps: the off-hours chain needs"),
        (
            {"escalation": {**ORG["escalation"], "off_hours": {"steps": [{"people": ["nobody"]}]}}},
            "escalation.off_hours.steps[0]: unknown person",
        ),
        (
            {"escalation": {**ORG["escalation"], "off_hours": {"steps": [{"people": []}]}}},
            "escalation.off_hours.steps[0]: needs at least one",
        ),
        ({"escalation": {**ORG["escalation"], "off_hours": {**OFF, "repeat_last": -1}}}, "escalation.off_hours.repeat_last: expected"),
        (
            {"escalation": {**ORG["escalation"], "off_hours": {"steps": [{"people": ["sato"], "wait_minutes": 0}]}}},
            "off_hours.steps[0].wait_minutes",
        ),
    ],
)
def test_check_config_explains(over: dict, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        org(**over)
    assert any(problem in p for p in err.value.problems), err.value.problems


def test_good_entries_are_accepted() -> None:
    cfg = org(away=[{**SATO_AWAY, "deputy": "tanaka"}], escalation={**ORG["escalation"], "off_hours": OFF})
    assert cfg.away == (Away("sato", jst(2026, 11, 25), jst(2026, 11, 28), "tanaka"),)
    assert cfg.off_hours == ((("tanaka",), 3.0),) and cfg.off_hours_repeat == 1
    report(cfg)  # the helpers' report still works with both configured


def test_repeat_after_the_period_ended_pages_the_person_again() -> None:
    cfg = org()
    inc, _ = reported(cfg)
    away = (Away("takahashi", T0, T0 + minutes(20), "tanaka", "playground:takahashi"),)
    inc, _ = fire(inc, T0 + minutes(5), cfg, away)  # step 2: suzuki
    inc, effects = fire(inc, T0 + minutes(15), cfg, away)  # step 3: takahashi away, tanaka stands in
    assert paged(effects) == ["tanaka"]
    inc, effects = fire(inc, T0 + minutes(30), cfg, away)  # the repeat, after the period ended
    assert paged(effects) == ["takahashi"] and "不在" not in thread(effects)
    # the away person may still acknowledge (back early), as may the deputy who was paged
    assert inc.is_responder(TAKAHASHI) and inc.is_responder(TANAKA)


@pytest.mark.parametrize(
    ("people", "away", "note", "card"),
    [
        (
            ["sato", "suzuki"],
            ["sato", "suzuki"],
            "第1段階：佐藤 さん、鈴木 さんは不在のため、代理の 田中 さんに連絡します。",
            "佐藤 さん、鈴木 さん（不在・代理 田中 さん）",
        ),
        (
            ["sato", "tanaka"],
            ["sato"],
            "第1段階：佐藤 さんは不在のため、代理の 田中 さんに連絡します。",
            "佐藤 さん（不在・代理 田中 さん）",
        ),
        (
            ["tanaka", "sato"],
            ["sato"],
            "第1段階：佐藤 さんは不在のため、代理の 田中 さんに連絡します。",
            "佐藤 さん（不在・代理 田中 さん）",
        ),
    ],
    ids=["two away, one deputy", "the deputy is in the step (after)", "the deputy is in the step (before)"],
)
def test_one_deputy_for_several(people: list[str], away: list[str], note: str, card: str) -> None:
    """Issue 13: two away people sharing one deputy (or a deputy already in the step) are named together —
    never "no deputy" — and the deputy is paged once."""
    steps = [{"people": people, "wait_minutes": 5}, *ORG["escalation"]["steps"][1:]]
    cfg = org(escalation={**ORG["escalation"], "steps": steps}, away=[{**SATO_AWAY, "person": p, "deputy": "tanaka"} for p in away])
    inc, effects = reported(cfg)
    assert paged(effects) == ["tanaka"]
    assert note in thread(effects) and "代理なし" not in thread(effects)
    assert card in card_text(effects)
    en = org(
        language="en", escalation={**ORG["escalation"], "steps": steps}, away=[{**SATO_AWAY, "person": p, "deputy": "tanaka"} for p in away]
    )
    _, effects = reported(en)
    if len(away) == 2:
        assert "佐藤, 鈴木 are away; paging their deputy 田中 instead." in thread(effects)
    else:
        assert "佐藤 is away; paging their deputy 田中 instead." in thread(effects)
