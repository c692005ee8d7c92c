"""Checklist items tagged by role: the code finds the report item by its role, never by its id; an
organisation's template without roles still works; bad roles are config problems with their path.
The deadline reminders follow the recorded submissions (flows.filing), not the checkbox: "done" on the
report item asks for the record, and recording every 確報 due ticks it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from bot.core import serde
from bot.core.config import ConfigError, OrgConfig
from bot.core.effects import Notify, OpenForm, Post
from bot.core.events import TimerFired
from bot.core.model import INDIVIDUAL_NOTICE, ITEM_ROLES, REPORT_SUBMISSION, Incident
from bot.core.views import mention
from tests.flows.helpers import SATO, T0, config, of, press, report, step, submission

DUTY = {"people": "120", "wrongful_purpose": "no"}  # a report duty (規則第2条第4号): 確報 by Fri 25 Dec 2026
ON_THE_DAY = datetime(2026, 12, 25, 0, 0, tzinfo=T0.tzinfo)  # 09:00 in Tokyo


def item(iid: str, **more: object) -> dict:
    return {"id": iid, "text": {"ja": f"項目{iid}", "en": f"Item {iid}"}, **more}


def template(tmp_path: Path, *items: dict) -> OrgConfig:
    path = tmp_path / "checklist.yaml"
    steps = [{"step": 1, "title": {"ja": "対応", "en": "Respond"}, "items": list(items)}]
    path.write_text(yaml.safe_dump({"steps": steps}, allow_unicode=True), encoding="utf-8")
    return config(checklist=str(path))


def deadline(inc: Incident, key: str, cfg: OrgConfig, now: datetime = ON_THE_DAY) -> tuple[list[Post], list[Notify]]:
    _, eff = step(inc, TimerFired(inc.id, "deadline", key), now, cfg)
    return of(eff, Post), of(eff, Notify)


def recorded(inc: Incident, cfg: OrgConfig) -> Incident:
    """The 確報 of both laws on record."""
    for law in ("mynumber", "appi"):
        inc, _ = step(inc, submission(SATO, inc, law, at="2026-12-24T11:00"), ON_THE_DAY, cfg)
    return inc


def test_the_default_template_tags_the_report_item_and_the_incident_carries_it() -> None:
    inc, _ = report()
    tagged = {i.role: i for i in inc.items if i.role}
    assert set(tagged) == {REPORT_SUBMISSION, INDIVIDUAL_NOTICE}
    assert inc.item_for(REPORT_SUBMISSION) == tagged[REPORT_SUBMISSION] and tagged[REPORT_SUBMISSION].id == "6.2"
    assert tagged[INDIVIDUAL_NOTICE].id == "5.1"


def test_the_report_item_is_found_by_role_not_by_number(tmp_path: Path) -> None:
    cfg = template(tmp_path, item("6.2"), item("R", role="report_submission"))
    inc, _ = report(cfg, **DUTY)
    done_62, eff = step(inc, press(SATO, "item:done", f"{inc.id}|6.2"), T0, cfg)
    assert done_62.item("6.2").state == "done" and not of(eff, OpenForm)  # "6.2" is nothing special here
    asked, eff = step(inc, press(SATO, "item:done", f"{inc.id}|R"), T0, cfg)
    assert asked.item("R").state == "open" and of(eff, OpenForm)[0].form.id == "submission"  # R asks for the record
    posts, pages = deadline(asked, "mynumber:final-0", cfg)
    assert posts and {n.user.key for n in pages} == {"sato", "suzuki", "takahashi"}
    filed = recorded(inc, cfg)
    assert filed.item("R").state == "done" and filed.item("6.2").state == "open"
    assert deadline(filed, "mynumber:final-0", cfg) == ([], [])


@pytest.mark.parametrize(
    ("key", "day", "paged"),
    [("mynumber:prelim", 30, False), ("mynumber:final-2", 23, False), ("mynumber:final-1", 24, False), ("mynumber:final-0", 25, True)],
    ids=["速報", "two days before", "the day before", "the deadline day"],
)
def test_a_template_without_roles_reminds_until_recorded_and_pages_only_on_the_deadline_day(
    tmp_path: Path, key: str, day: int, paged: bool
) -> None:
    cfg = template(tmp_path, item("A"), item("B"))
    inc, _ = report(cfg, **DUTY)
    assert all(i.role == "" for i in inc.items) and inc.item_for(REPORT_SUBMISSION) is None
    for iid in ("A", "B"):  # the records say what was filed: done items do not stop the reminders
        inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|{iid}"), T0, cfg)
    now = datetime(2026, 11 if day == 30 else 12, day, 0, 0, tzinfo=T0.tzinfo)  # 09:00 in Tokyo on the reminder's day
    posts, pages = deadline(inc, key, cfg, now)
    (post,) = posts
    assert "まだ記録されていません" in post.view.text
    assert mention(replace(SATO, name="佐藤")) in post.view.text  # no report item to own: the chain is mentioned
    assert {n.user.key for n in pages} == ({"sato", "suzuki", "takahashi"} if paged else set())
    assert deadline(recorded(inc, cfg), key, cfg, now) == ([], [])


def test_an_incident_stored_before_roles_still_finds_its_report_item() -> None:
    inc, _ = report(**DUTY)
    stored = serde.dump(replace(inc, items=tuple(replace(i, role="") for i in inc.items)))
    for it in stored["items"]:
        del it["role"]  # the JSON of an incident stored before items carried a role
    del stored["submissions"], stored["notice"]  # nor submissions
    old = serde.load(Incident, stored)
    assert all(i.role == "" for i in old.items) and old.submissions == ()
    cfg = config()
    assert deadline(old, "final-0", cfg)[1]  # a timer row of that time, keyed without its law: paged
    same, eff = step(old, press(SATO, "item:done", f"{old.id}|6.2"), T0, cfg)
    assert same.item("6.2").state == "open" and of(eff, OpenForm)  # the current template's report item, matched by id
    done = recorded(old, cfg)
    assert done.item("6.2").state == "done" and deadline(done, "final-0", cfg) == ([], [])


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ([item("1", role="report_sent")], "steps[0].items[0]: unknown role 'report_sent'"),
        ([item("1", role=["report_submission"])], "steps[0].items[0]: unknown role"),
        (
            [item("1", role="report_submission"), item("2", role="report_submission")],
            "steps[0].items[1]: role 'report_submission' is already on item '1'",
        ),
    ],
    ids=["unknown role", "not a name", "a role used twice"],
)
def test_bad_roles_are_config_problems_with_their_path(tmp_path: Path, items: list[dict], problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        template(tmp_path, *items)
    assert any(p.startswith("checklist checklist.yaml: ") and problem in p for p in err.value.problems), err.value.problems


def test_the_default_template_tags_each_role_once() -> None:
    cfg = config()
    roles = [it.role for st in cfg.checklist for it in st.items if it.role]
    assert sorted(roles) == sorted(ITEM_ROLES)
