"""``mynaleak draft`` (bot.commands.draft) on a migrated database that the runtime harness filled:
report → ack → notes → close, then the draft from the command line (``main`` called in this process,
and once through a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest
import yaml

from bot.commands.draft import main as draft_main
from bot.core.events import FormSubmitted
from tests.conftest import Clock
from tests.flows.helpers import ORG, config
from tests.support.harness import Harness
from tests.support.inproc import run_main

ROOT = Path(__file__).resolve().parents[1]
NOTES = {
    "2.3": "施錠されていない書庫から持ち出された",
    "3.1": "顧客30人分の申込書（氏名・個人番号）",
    "3.5": "二次被害は確認されていない",
    "5.1": "対象者へ電話連絡済み",
    "5.3": "公表はしない（全員に個別連絡済み）",
    "4.2": "書庫の施錠ルールを改定",
    "1.2": "警察に盗難届を提出",
}


def run(tmp_path: Path, db_url: str, *args: str, process: bool = False) -> tuple[int, str, str]:
    """``draft ARGS`` in ``tmp_path``: ``bot.commands.draft.main`` called in this process
    (tests.support.inproc), or a real ``python -m bot.commands.draft`` process (``process=True``)."""
    cfg = tmp_path / "mynaleak.yml"
    if not cfg.exists():
        cfg.write_text(yaml.safe_dump(ORG, allow_unicode=True), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT), "DATABASE_URL": db_url, "MYNALEAK_CONFIG": str(cfg)}
    if process:
        proc = subprocess.run([sys.executable, "-m", "bot.commands.draft", *args], capture_output=True, cwd=tmp_path, env=env, timeout=120)
    else:
        proc = run_main(draft_main, args, env=env, cwd=tmp_path, timeout=120, text=False)
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


@pytest.fixture
async def recorded(db_url: str, clock: Clock) -> str:
    """The database URL, holding ML-2026-0001 with the notes of :data:`NOTES`, closed."""
    h = Harness(db_url, config(), clock)
    try:
        out = await h.report(summary="書類の入った箱が盗まれた", people="30", whose="customers")
        inc_id = out.incident_id
        clock.advance(minutes=2)
        await h.press("sato", "ack", inc_id)
        for item, note in NOTES.items():
            clock.advance(minutes=1)
            await h.send(FormSubmitted(h.user("suzuki"), "item_note", {"note": note}, f"{inc_id}|{item}"))
        await h.press("sato", "item:done", f"{inc_id}|5.1")
        clock.advance(minutes=30)
        await h.command("sato", f"close {inc_id} 対応完了")
    finally:
        await h.close()
    return db_url


def test_markdown_report_on_stdout(tmp_path: Path, recorded: str) -> None:
    code, out, err = run(tmp_path, recorded, "ML-2026-0001", process=True)
    assert (code, err) == (0, "")
    assert out.startswith("> 【下書き】インシデント ML-2026-0001")
    assert "# 特定個人情報の漏えい等に関する報告（速報）" in out
    headings = [line for line in out.splitlines() if line.startswith("## ")]
    assert headings[0] == "## 報告の種類・報告者"
    assert [h.split(".")[0] for h in headings[1:]] == [f"## {n}" for n in range(1, 10)]
    for note in NOTES.values():
        assert note in out
    assert "事案の内容: 書類の入った箱が盗まれた。" in out and "\n30人\n" in out and "種類: 顧客等の情報" in out
    assert "佐藤" not in out and "対応完了" not in out  # the chat's mechanics are not facts for the PPC
    assert "**【未記入】** 発見者" in out and "記録がありません。チェックリスト" not in out  # every section has its record
    code, out, err = run(tmp_path, recorded, "ML-2026-0001", "--type", "確報")
    assert code == 0 and "# 特定個人情報の漏えい等に関する報告（確報）" in out


def test_docx_notice_in_english(tmp_path: Path, recorded: str) -> None:
    code, out, err = run(tmp_path, recorded, "ML-2026-0001", "--notice", "--format", "docx", "--lang", "en", "--date", "2026-12-01")
    assert (code, err) == (0, "")
    path = tmp_path / "ML-2026-0001-notice.docx"
    assert out.strip() == f"written to {path.name}."
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "What happened",
        "The data leaked (or possibly leaked)",
        "Cause",
        "Secondary harm or its risk",
        "What we have done",
        "What we ask of you",
        "Inquiries",
    ]
    full = "\n".join(p.text for p in document.paragraphs)
    assert NOTES["2.3"] in full and NOTES["3.5"] in full and "ask your municipality" in full
    assert "1 December 2026" in full and "Dear ____," in full
    assert NOTES["5.1"] not in full  # the letter is the contact: not listed among what we have done
    assert "[MISSING] Nothing the company has done is recorded." in full  # 1.2's note is on an item not done


@pytest.mark.parametrize("kind", ["announcement", "principal"])
def test_the_other_kinds(tmp_path: Path, recorded: str, kind: str) -> None:
    code, out, err = run(tmp_path, recorded, "ML-2026-0001", "--kind", kind, "--date", "2026-12-01")
    assert (code, err) == (0, "") and "2026年12月1日" in out and out.rstrip().endswith("以上")
    assert ("御中" in out) == (kind == "principal")


def test_out_path_with_docx_suffix_writes_docx_and_md_out_writes_markdown(tmp_path: Path, recorded: str) -> None:
    target = tmp_path / "sub" / "report.docx"
    target.parent.mkdir()
    code, _, err = run(tmp_path, recorded, "ML-2026-0001", "--out", str(target))
    assert (code, err) == (0, "")
    headings = [p.text for p in docx.Document(str(target)).paragraphs if p.style.name == "Heading 1"]
    assert len(headings) == 10 and headings[4] == "4. 原因"
    md = tmp_path / "report.md"
    code, out, _ = run(tmp_path, recorded, "ML-2026-0001", "--out=" + str(md))
    assert code == 0 and str(md) in out
    assert NOTES["4.2"] in md.read_text(encoding="utf-8")


def test_unknown_incident_is_a_clear_error(tmp_path: Path, recorded: str) -> None:
    code, out, err = run(tmp_path, recorded, "ML-2026-0099")
    assert (code, out) == (2, "")
    assert err == "エラー: 事案 ML-2026-0099 が見つかりません。\n"
    code, _, err = run(tmp_path, recorded, "ML-2026-0099", "--lang", "en")
    assert (code, err) == (2, "error: no incident ML-2026-0099.\n")


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["ML-1", "ML-2"],
        ["ML-1", "--format", "pdf"],
        ["ML-1", "--lang", "fr"],
        ["ML-1", "--bogus"],
        ["ML-1", "--out"],
        ["ML-1", "--kind", "memo"],
        ["ML-1", "--type", "中間"],
        ["ML-1", "--to", "boss"],
        ["ML-1", "--date", "yesterday"],
    ],
    ids=["none", "two-ids", "bad-format", "bad-lang", "bad-flag", "out-without-value", "bad-kind", "bad-type", "bad-to", "bad-date"],
)
def test_bad_arguments(tmp_path: Path, args: list[str]) -> None:
    code, out, err = run(tmp_path, "sqlite:///" + str(tmp_path / "none.db"), *args)
    assert (code, out) == (2, "")
    assert "使い方: draft ML-2026-0001" in err and "Traceback" not in err


def test_missing_or_unmigrated_database(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    code, out, err = run(tmp_path, f"sqlite:///{missing}", "ML-2026-0001")
    assert (code, out) == (2, "") and "missing.db" in err and "Traceback" not in err
    assert not missing.exists()  # reading does not create an empty database
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    code, out, err = run(tmp_path, f"sqlite:///{empty}", "ML-2026-0001")
    assert (code, out) == (2, "") and "mynaleak migrate" in err and "Traceback" not in err


def test_help(tmp_path: Path) -> None:
    code, out, err = run(tmp_path, "sqlite:///x.db", "--help", "--lang", "en")
    assert (code, err) == (0, "") and out.startswith("usage: draft ML-2026-0001")


def test_export_gives_a_file_to_post() -> None:
    from io import BytesIO

    from bot.commands.draft import export
    from flows.draft import build_report
    from tests.flows.draft_helpers import recorded_incident

    draft = build_report(recorded_incident(), config())
    name, content, mime = export(draft, "docx")
    assert name == "ML-2026-0001-report-prelim.docx" and mime.endswith("wordprocessingml.document")
    assert len([p for p in docx.Document(BytesIO(content)).paragraphs if p.style.name == "Heading 1"]) == 10
    name, content, mime = export(draft, "md")
    assert name == "ML-2026-0001-report-prelim.md" and mime.startswith("text/markdown")
    assert content.decode("utf-8").count("\n## ") == 10
