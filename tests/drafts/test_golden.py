"""Golden drafts: each kind of draft on one fixed incident, compared with the checked-in Markdown in
tests/drafts/golden/. The incident is recorded through the flows (report → acknowledge → notes, ticks,
not-applicable with its kind, prevention measures), the organisation file has a full company section,
and the letters are dated 2026-12-01.

A golden file is what a privacy officer read and accepted: when a change to the drafts is meant, look
at the difference, read the new text as the regulator or the customer would, and regenerate with

    MYNALEAK_REGEN_GOLDEN=1 python -m pytest tests/drafts/test_golden.py

then commit the golden files with the change. Without the variable a difference fails the test.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.core.events import FormSubmitted
from bot.core.model import Incident
from flows import facts_form
from flows.common import Ctx
from flows.drafts import build, build_report, to_markdown
from tests.flows.helpers import COMPANY, SATO, SUZUKI, T0, config, minutes, press, report, step, submission

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("MYNALEAK_REGEN_GOLDEN") == "1"
ON = date(2026, 12, 1)
CFG = config(company=COMPANY)
NOTES = {  # item -> what was recorded on it
    "1.2": "2026年11月26日、最寄り駅及び警察署に遺失届を提出した",
    "1.3": "当該従業員の社内システムのパスワードを変更した",
    "2.2": "社内規程は個人番号を含むデータの社外持出しを禁止しており、規程に反した取扱いであった",
    "2.3": "従業員が個人番号を含むデータをUSBメモリに保存して持ち帰ろうとし、帰宅途中の電車の網棚にUSBメモリの入った鞄を置き忘れた",
    "3.1": "従業員120人分の源泉徴収票の控え（氏名・住所・個人番号）",
    "3.3": "USBメモリ及びファイルには暗号化もパスワードの設定もされていなかった",
    "3.5": "2026年12月1日現在、不正利用等の二次被害は確認されていない",
    "5.1": "対象の従業員全員に書面で事実を伝えて謝罪し、不審な連絡に注意するよう呼びかけた",
}
DONE = ("1.1", "1.2", "1.3", "3.3", "5.1")
MEASURES = (
    ("個人番号を含むデータの外部記録媒体への保存を禁止し、業務用パソコンのUSBポートを無効にした", "done", "2026-11-30"),
    ("全従業員を対象に、特定個人情報の取扱いに関する研修を実施する", "planned", "2027-01-15"),
)

DISCOVERY = {"discovered_by": "経理部の当該従業員（帰宅後に鞄がないことに気付き、翌朝上長に報告した）", "event_kind": ("leak",)}


def incident() -> Incident:
    """A bag with a USB stick left on a train: 120 employees, wrongful purpose unknown, recorded in full."""
    inc, _ = report(
        summary="経理部の従業員が、源泉徴収票の控えを保存したUSBメモリを入れた鞄を電車内に置き忘れ、紛失した",
        data_items=("mynumber", "name", "address"),
        wrongful_purpose="unknown",
        cfg=CFG,
    )
    at = T0 + minutes(3)
    inc, _ = step(inc, press(SATO, "ack", inc.id), at, CFG)
    for item, note in NOTES.items():
        at += minutes(7)
        inc, _ = step(inc, FormSubmitted(SUZUKI, "item_note", {"note": note}, f"{inc.id}|{item}"), at, CFG)
    for item in DONE:
        at += minutes(11)
        inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|{item}"), at, CFG)
    for item, kind, reason in (("5.3", "na", "対象者全員に個別に通知したため、公表は行わない"), ("4.5", "gap", "研修計画は未策定")):
        at += minutes(13)
        inc, _ = step(inc, FormSubmitted(SATO, "item_na", {"kind": kind, "reason": reason}, f"{inc.id}|{item}"), at, CFG)
    for text, status, on in MEASURES:
        at += minutes(17)
        inc, _ = step(inc, FormSubmitted(SUZUKI, "measure_add", {"text": text, "status": status, "on": on}, inc.id), at, CFG)
    assert len(inc.measures) == 2 and inc.item("4.5").na_kind == "gap"  # type: ignore[union-attr]
    # who discovered it and what happened (発見者, 発生事案), on the facts form as responders answer them
    shown = {i.name: i.initial for i in facts_form.form(inc, Ctx(at, CFG, "ja")).inputs}
    inc, _ = step(inc, FormSubmitted(SATO, "facts", {**shown, **DISCOVERY}, inc.id), at + minutes(19), CFG)
    assert inc.facts.discovered_by and inc.facts.event_kind == ("leak",) and inc.facts.encrypted == "no"
    return inc


PRELIM = {"kind": "prelim", "on": date(2026, 11, 27), "channel": "個人情報保護委員会ウェブフォーム", "receipt": "MN-2026-000123"}


def drafts() -> dict[str, str]:
    inc = incident()
    outsourcee = replace(inc, facts=replace(inc.facts, role="outsourcee", party_name="株式会社サンプル商事"))
    return {
        "report-prelim": to_markdown(build_report(inc, CFG, report_type="prelim", submissions=())),
        "report-final": to_markdown(build_report(inc, CFG, report_type="final", submissions=(PRELIM,))),
        "notice": to_markdown(build(inc, CFG, "notice", on=ON)),
        "announcement": to_markdown(build(inc, CFG, "announcement", on=ON)),
        "principal": to_markdown(build(outsourcee, CFG, "principal", on=ON)),
    }


@pytest.mark.parametrize("kind", ["report-prelim", "report-final", "notice", "announcement", "principal"])
def test_golden(kind: str) -> None:
    got = drafts()[kind]
    path = GOLDEN / f"{kind}.md"
    if REGEN:
        path.write_text(got, encoding="utf-8")
    want = path.read_text(encoding="utf-8")
    assert got == want, f"{path.name} differs; read the new text and regenerate (see this module's docstring)"


def test_as_principal_the_report_names_the_outsourcee_and_the_day_its_notice_arrived() -> None:
    inc = incident()
    facts = replace(inc.facts, role="principal", party_name="株式会社サンプル給与計算", principal_notified_on=date(2026, 11, 24))
    principal = replace(inc, facts=facts)
    s1 = "\n".join(build_report(principal, CFG).section(1).paragraphs)  # type: ignore[union-attr]
    assert (
        "委託元及び委託先の有無: あり（当社は委託元。委託先: 株式会社サンプル給与計算）。委託先からの通知を受けた日: 2026年11月24日" in s1
    )
    s4 = "\n".join(build_report(principal, CFG).section(4).paragraphs)  # type: ignore[union-attr]
    assert "当該事態が発生した主体: 委託先（株式会社サンプル給与計算）" in s4


def test_the_report_header_lists_the_submissions_recorded_from_the_card() -> None:
    """The records made with "Record a submission" (flows.filing) are the draft's 既に行った報告, and
    the next report type follows them: a 速報 on record makes the draft a 確報."""
    inc = incident()
    assert build_report(inc, CFG).report_type == "prelim"
    at = T0 + minutes(60 * 24)
    inc, _ = step(inc, submission(SATO, inc, "mynumber", "prelim", at="2026-11-27T10:00", receipt="MN-0042"), at, CFG)
    inc, _ = step(inc, submission(SATO, inc, "appi", "prelim", at="2026-11-27T11:00", receipt="AP-7"), at, CFG)
    draft = build_report(inc, CFG)
    assert draft.report_type == "final"
    header = "\n".join(draft.sections[0].paragraphs)
    assert "速報（2026年11月27日、個人情報保護委員会の報告フォーム（Web）、受付番号 MN-0042）" in header
    assert "AP-7" not in header  # the APPI report is not the My Number Act report's business
