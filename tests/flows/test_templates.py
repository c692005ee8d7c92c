"""Checklist templates by cause (issue 12): the leaflet's USB example stays the default; e-mail or post
to the wrong person, unauthorised access / ransomware, an insider, lost paper documents each have the
leaflet's six steps; the report's cause and medium pick one; responders switch it on the card."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import CAUSE_TEMPLATES, DEFAULT_CHECKLIST
from bot.core.effects import Audit, OpenForm, Post, RejectForm, Reply, Update
from bot.core.events import FormSubmitted
from bot.core.model import REPORT_SUBMISSION, Facts
from flows import templates
from flows.common import item_for
from tests.flows.helpers import OUTSIDER, SATO, T0, TANAKA, config, of, press, report, step

STEPS = [1, 2, 3, 4, 5, 6]  # the leaflet's six response steps


def test_every_template_has_the_six_steps_the_report_role_and_the_defaults_ids() -> None:
    cfg = config()
    assert set(cfg.templates) == set(CAUSE_TEMPLATES) and templates.names(cfg)[0] == "default"
    default_ids = {it.id for st in cfg.checklist for it in st.items}
    for name in CAUSE_TEMPLATES:
        steps = cfg.templates[name]
        assert [st.step for st in steps] == STEPS, name
        ids = [it.id for st in steps for it in st.items]
        assert set(ids) <= default_ids and len(ids) == len(set(ids)), name  # drafts read the report sections by id
        assert [it.id for st in steps for it in st.items if it.role == REPORT_SUBMISSION] == ["6.2"], name
        own = {it.id: it.text["ja"] for st in steps[:3] for it in st.items}
        usb = {it.id: it.text["ja"] for st in cfg.checklist[:3] for it in st.items}
        assert own["1.2"] != usb["1.2"], name  # its own containment step, not the USB stick's
        assert all(it.text["ja"] and it.text["en"] for st in steps for it in st.items), name


@pytest.mark.parametrize(
    ("cause", "medium", "expected"),
    [
        ("lost", "removable", "default"),  # the leaflet's own example
        ("lost", "pc", "default"),
        ("lost", "paper", "paper_loss"),
        ("misdirected", "email", "misdirected"),
        ("misdirected", "paper", "misdirected"),  # post sent to the wrong address
        ("unauthorised_access", "server", "unauthorised_access"),
        ("insider", "removable", "insider"),
        ("unknown", "email", "misdirected"),  # no cause given: the medium decides
        ("unknown", "server", "unauthorised_access"),
        ("unknown", "paper", "paper_loss"),
        ("other", "pc", "default"),
    ],
)
def test_the_reports_cause_and_medium_pick_the_template(cause: str, medium: str, expected: str) -> None:
    assert templates.pick(Facts(cause=cause, medium=medium), config()) == expected


def test_a_misdirected_report_starts_with_its_template() -> None:
    inc, effects = report(cause="misdirected", medium="email")
    assert templates.current(inc) == "misdirected"
    assert "誤送付先に連絡" in next(i.text for i in inc.items if i.id == "1.2")
    assert len([p for p in of(effects, Post) if p.tag.startswith("step:")]) == 6
    usb, _ = report()  # GOOD: a USB stick, cause not given
    assert templates.current(usb) == "default" and templates.KEY not in usb.extra


def test_switching_on_the_card_keeps_ticked_items_and_notes() -> None:
    inc, effects = report()
    card = next(p.view for p in of(effects, Post) if p.tag == "card")
    assert any(b.action == "checklist:switch" for b in card.buttons)
    _, eff = step(inc, press(TANAKA, "checklist:switch", inc.id), T0)
    (opened,) = of(eff, OpenForm)
    assert [o.value for o in opened.form.inputs[0].options] == ["default", *CAUSE_TEMPLATES]
    done, _ = step(inc, press(SATO, "item:done", f"{inc.id}|1.2"), T0)  # the USB stick was searched for
    noted, _ = step(done, FormSubmitted(SATO, "item_note", {"note": "営業部に確認中"}, f"{inc.id}|2.1"), T0)
    new, eff = step(noted, FormSubmitted(TANAKA, "checklist_template", {"template": "insider"}, inc.id), T0)
    assert templates.current(new) == "insider"
    kept = next(i for i in new.items if i.id == "1.2")
    assert kept.state == "done" and kept.text == next(i for i in inc.items if i.id == "1.2").text  # what was done is not rewritten
    heard = next(i for i in new.items if i.id == "2.1")
    assert heard.note == "営業部に確認中" and "アクセスログ" in heard.text  # open: the new text, the note kept
    (audit,) = of(eff, Audit)
    assert audit.detail == {"from": "default", "to": "insider", "kept": ["1.2"]}
    assert {u.tag for u in of(eff, Update)} == {"card", *(f"step:{n}" for n in STEPS)}
    assert item_for(new, REPORT_SUBMISSION, config()) is not None  # the 確報 reminders still find 6.2
    back, _ = step(new, FormSubmitted(TANAKA, "checklist_template", {"template": "default"}, inc.id), T0)
    assert templates.current(back) == "default" and "checklist" not in back.extra


def test_switching_is_for_responders_and_checks_the_choice() -> None:
    inc, _ = report()
    same, eff = step(inc, FormSubmitted(OUTSIDER, "checklist_template", {"template": "insider"}, inc.id), T0)
    assert same == inc and isinstance(eff[0], Reply) and eff[0].view.tone == "warning"
    same, eff = step(inc, FormSubmitted(TANAKA, "checklist_template", {"template": "boss"}, inc.id), T0)
    assert same == inc and "template" in of(eff, RejectForm)[0].form.errors


def test_an_organisation_with_its_own_checklist_keeps_it_for_every_cause(tmp_path: Path) -> None:
    own = tmp_path / "ours.yaml"
    own.write_text(DEFAULT_CHECKLIST.read_text(encoding="utf-8"), encoding="utf-8")
    cfg = config(checklist=str(own))
    assert cfg.templates == {}
    inc, effects = report(cfg, cause="misdirected", medium="email")
    assert templates.current(inc) == "default"
    card = next(p.view for p in of(effects, Post) if p.tag == "card")
    assert not any(b.action == "checklist:switch" for b in card.buttons)
