"""The ``assess`` command line (bot.commands.assess): ``main`` called in this process with its own stdin,
stdout and stderr, and through a real subprocess in the tests marked ``process=True``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.commands.assess import main as assess_main
from tests.support.inproc import run_main

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: bytes | str | None = None, process: bool = False) -> tuple[int, str, str]:
    """``assess ARGS``: ``bot.commands.assess.main`` called in this process (tests.support.inproc), or a
    real ``python -m bot.commands.assess`` process (``process=True``: its exit status and encodings)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}
    if not process:
        done = run_main(assess_main, args, env=env, cwd=ROOT, stdin=stdin, text=False)
        return done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
    data = stdin.encode() if isinstance(stdin, str) else stdin
    proc = subprocess.run(
        [sys.executable, "-m", "bot.commands.assess", *args],
        input=data,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def write(tmp_path: Path, content: str | bytes, name: str = "facts.json") -> str:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return str(path)


FACTS = {
    "known_on": "2026-12-03",
    "people": 150,
    "people_max": None,
    "encrypted": "no",
    "key_safe": "no",
    "leaked": "yes",
    "government_system": "no",
    "wrongful_purpose": "no",
    "exposed_online": "no",
    "misuse_art9": "no",
    "provision_art19": "no",
    "sensitive_data": "no",
    "financial_harm": "no",
}


def test_text_output_is_japanese_by_default(tmp_path: Path) -> None:
    code, out, err = run(write(tmp_path, json.dumps(FACTS)), process=True)
    assert (code, err) == (0, "")
    assert "義務あり（規則第2条第4号に該当" in out
    assert "2027-01-04（月）" in out  # day 30 = 2027-01-01 -> first open day
    assert out.count("法的助言ではありません") == 1


def test_text_output_in_english(tmp_path: Path) -> None:
    code, out, err = run(write(tmp_path, json.dumps(FACTS)), "--lang", "en")
    assert (code, err) == (0, "")
    assert "REQUIRED" in out and "2027-01-04 (Mon)" in out and "not legal advice" in out


def test_json_output(tmp_path: Path) -> None:
    code, out, err = run(write(tmp_path, json.dumps(FACTS)), "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["report"] == "duty"
    assert doc["items"] == [4]
    assert doc["preliminary_due"] == ["2026-12-05", "2026-12-07"]
    assert doc["final_due"] == "2027-01-04"
    assert doc["notify_individuals"] is True
    assert doc["appi"] == {
        "report": "none",
        "items": [],
        "preliminary_due": None,
        "final_due": None,
        "final_days": None,
        "notify_individuals": False,
        "day_one": None,
    }
    assert (doc["day_one"], doc["notify_principal"], doc["principal_notice_due"]) == ("2026-12-03", False, None)
    assert doc["rule_pack"] == "jp-leak-report-2024-04-01"  # APPI 施行規則第7条第3号 as amended 2024-04-01
    assert doc["drivers"] == []
    assert doc["reasons"][0].startswith("規則第2条第4号")
    assert all(isinstance(r, str) for r in doc["reasons"])


def test_json_from_stdin_with_missing_facts_unknown() -> None:
    code, out, err = run("-", "--json", "--lang=en", stdin='{"known_on": "2026-03-05"}')
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["report"] == "duty" and doc["items"] == [1, 2, 3, 4]
    assert doc["final_due"] == "2026-04-03"  # 30 days: item 2 only possible never gives 60 (LEGAL.md)
    assert doc["final_days"] == 30 and doc["appi"]["final_days"] == 30
    assert doc["appi"]["items"] == [1, 2, 3, 4]
    assert "people" in doc["drivers"] and "wrongful_purpose" in doc["drivers"]
    assert doc["reasons"][0].startswith("Rule Art. 2 item 1")


def test_effort_result_has_null_deadlines(tmp_path: Path) -> None:
    code, out, _ = run(write(tmp_path, json.dumps({**FACTS, "people": 100})), "--json")
    doc = json.loads(out)
    assert code == 0
    assert (doc["report"], doc["preliminary_due"], doc["final_due"]) == ("effort", None, None)
    assert doc["notify_individuals"] is False


def test_stdin_text_with_bom_and_japanese_output() -> None:
    code, out, err = run("-", stdin=b"\xef\xbb\xbf" + json.dumps(FACTS).encode(), process=True)
    assert (code, err) == (0, "")
    assert "【漏えい等報告の要否の評価】" in out


@pytest.mark.parametrize(
    ("key_safe", "report", "items", "final_due"),
    [("yes", "none", [], None), ("no", "duty", [4], "2027-01-04"), ("unknown", "duty", [4], "2027-01-04")],
)
def test_json_key_safe_decides_the_encryption_exclusion(
    tmp_path: Path, key_safe: str, report: str, items: list[int], final_due: str | None
) -> None:
    """規則第2条第1号括弧書 with PPC Q&A 17-14: encrypted data is excluded only with the key kept safe."""
    code, out, err = run(write(tmp_path, json.dumps({**FACTS, "encrypted": "yes", "key_safe": key_safe})), "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["report"], doc["items"], doc["final_due"]) == (report, items, final_due)
    assert doc["drivers"] == (["key_safe"] if key_safe == "unknown" else [])


def test_json_leaflet_usb_example_unknown_wrongful_purpose_is_30_days() -> None:
    """LEGAL.md "Unknown facts": 120 people, known 2026-11-26, wrongful purpose unknown -> 2026-12-25."""
    facts = {**FACTS, "known_on": "2026-11-26", "people": 120, "wrongful_purpose": "unknown"}
    code, out, err = run("-", "--json", stdin=json.dumps(facts))
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["items"], doc["final_due"], doc["final_days"]) == ([2, 4], "2026-12-25", 30)
    assert (doc["appi"]["items"], doc["appi"]["final_due"]) == ([3], "2026-12-25")


def test_json_misuse_without_leak_is_not_appi() -> None:
    facts = {**FACTS, "people": 1500, "leaked": "no", "misuse_art9": "yes"}
    code, out, _ = run("-", "--json", stdin=json.dumps(facts))
    doc = json.loads(out)
    assert code == 0 and doc["items"] == [4] and doc["appi"]["report"] == "none"


@pytest.mark.parametrize(("known_on", "pack"), [("2024-03-31", "jp-leak-report-2022-04-01"), ("2024-04-01", "jp-leak-report-2024-04-01")])
def test_json_shows_the_rule_pack_in_force(known_on: str, pack: str) -> None:
    code, out, _ = run("-", "--json", stdin=json.dumps({**FACTS, "known_on": known_on}))
    doc = json.loads(out)
    assert code == 0 and doc["rule_pack"] == pack and doc["in_force"] is True


BAD = [
    ("bad-json", '{"known_on": "2026-11-26",', "JSON"),
    ("empty", "", "JSON"),
    ("not-object", '["2026-11-26"]', "オブジェクト"),
    ("unknown-key", '{"known_on": "2026-11-26", "peeple": 3}', "peeple"),
    ("missing-known-on", '{"people": 3}', "known_on"),
    ("impossible-date", '{"known_on": "2026-02-30"}', "known_on"),
    ("slash-date", '{"known_on": "2026/11/26"}', "known_on"),
    ("compact-date", '{"known_on": "20261126"}', "known_on"),
    ("numeric-date", '{"known_on": 20261126}', "known_on"),
    ("date-out-of-range", '{"known_on": "2150-01-01"}', "known_on"),
    ("negative-count", '{"known_on": "2026-11-26", "people": -1}', "people"),
    ("string-count", '{"known_on": "2026-11-26", "people": "100"}', "people"),
    ("float-count", '{"known_on": "2026-11-26", "people_max": 1.5}', "people_max"),
    ("bool-count", '{"known_on": "2026-11-26", "people": true}', "people"),
    ("max-below-count", '{"known_on": "2026-11-26", "people": 10, "people_max": 5}', "people_max"),
    ("bad-enum", '{"known_on": "2026-11-26", "encrypted": "maybe"}', "encrypted"),
    ("bool-enum", '{"known_on": "2026-11-26", "exposed_online": true}', "exposed_online"),
    ("null-enum", '{"known_on": "2026-11-26", "financial_harm": null}', "financial_harm"),
    ("list-enum", '{"known_on": "2026-11-26", "sensitive_data": ["yes"]}', "sensitive_data"),
    ("bad-key-safe", '{"known_on": "2026-11-26", "key_safe": "perhaps"}', "key_safe"),
    ("bool-key-safe", '{"known_on": "2026-11-26", "encrypted": "yes", "key_safe": true}', "key_safe"),
    ("bad-leak", '{"known_on": "2026-11-26", "leaked": "maybe"}', "leaked"),
    ("deep-nesting", "[" * 100_000, "JSON"),
]


@pytest.mark.parametrize(("content", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_malformed_file_is_a_clean_error(tmp_path: Path, content: str, needle: str) -> None:
    code, out, err = run(write(tmp_path, content))
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("エラー: ")
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_malformed_stdin_is_a_clean_error_in_english() -> None:
    code, out, err = run("-", "--lang", "en", stdin='{"known_on": "2026-11-26", "people": -5}')
    assert (code, out) == (2, "")
    assert err == 'error: field "people": expected a non-negative integer or null (got -5)\n'


def test_docs_example_is_what_the_command_prints() -> None:
    """docs/assess.md's example input (the leaflet's USB stick) and its --json output agree with the code."""
    md = (ROOT / "docs" / "assess.md").read_text(encoding="utf-8")
    example = md.split("Example", 1)[1].split("```json\n", 1)[1].split("```", 1)[0]
    code, out, err = run("-", "--json", stdin=example)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["final_due"], doc["final_days"]) == ("2026-12-25", 30)  # not 2027-01-25: item 2 is only possible
    for key in ("rule_pack", "known_on", "report", "items", "final_due", "final_days", "drivers"):
        assert f'"{key}": {json.dumps(doc[key], ensure_ascii=False)}' in md, key


def test_bad_key_safe_is_a_value_error_like_the_other_facts() -> None:
    code, out, err = run("-", "--lang", "en", stdin='{"known_on": "2026-11-26", "encrypted": "yes", "key_safe": "perhaps"}')
    assert (code, out) == (2, "")
    assert err == 'error: field "key_safe": expected "yes", "no" or "unknown" (got "perhaps")\n'


def test_not_utf8(tmp_path: Path) -> None:
    code, _, err = run(write(tmp_path, '{"known_on": "2026-11-26", "x": "漏えい"}'.encode("cp932")))
    assert code == 2 and "UTF-8" in err and "Traceback" not in err


def test_missing_file(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.json"))
    assert code == 2 and "nope.json" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [[], ["a.json", "b.json"], ["-", "--lang", "fr"], ["-", "--bogus"], ["-", "--lang"]],
    ids=["none", "two-files", "bad-lang", "bad-flag", "lang-without-value"],
)
def test_bad_arguments(args: list[str]) -> None:
    code, out, err = run(*args, stdin="{}")
    assert (code, out) == (2, "")
    assert "使い方: assess FILE.json|-" in err and "Traceback" not in err


def test_help() -> None:
    code, out, err = run("--help", "--lang", "en")
    assert (code, err) == (0, "")
    assert out.startswith("usage: assess FILE.json|-")


# --- issue 12: the new facts through the command line ---------------------------------------------

ISSUE12_BAD = [
    ({"leaked": "maybe"}, "leaked", '"yes", "no" or "unknown"'),
    ({"key_safe": "perhaps"}, "key_safe", '"yes", "no" or "unknown"'),
    ({"role": "boss"}, "role", '"self", "principal" or "outsourcee"'),
    ({"appi_people": -5}, "appi_people", "non-negative integer"),
    ({"principal_notified_on": "yesterday"}, "principal_notified_on", "YYYY-MM-DD"),
    ({"people": 80, "appi_people": 50}, "appi_people", "at least people"),
    ({"appi_people": 500, "appi_people_max": 400}, "appi_people_max", "appi_people"),
    ({"over_100_on": "2026-02-30"}, "over_100_on", "YYYY-MM-DD"),
    ({"role": None}, "role", '"self", "principal" or "outsourcee"'),
    ({"party_name": "A社"}, "party_name", "unknown"),  # not a fact the assessment reads
]


@pytest.mark.parametrize(("extra", "name", "needle"), ISSUE12_BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(ISSUE12_BAD)])
def test_issue12_bad_values_exit_2_naming_the_field(extra: dict[str, object], name: str, needle: str) -> None:
    code, out, err = run("-", "--lang", "en", stdin=json.dumps({"known_on": "2026-11-26", **extra}))
    assert (code, out) == (2, "")
    assert f'"{name}"' in err and needle in err and "Traceback" not in err and err.count("\n") == 1


def _json(facts: dict[str, object]) -> dict[str, object]:
    code, out, err = run("-", "--json", stdin=json.dumps(facts))
    assert (code, err) == (0, "")
    return json.loads(out)  # type: ignore[no-any-return]


def test_issue12_6_two_head_counts() -> None:
    """1,500 customers' list mis-sent, 80 with My Numbers: 番号法 effort (第4号: 80), APPI duty (第7条第4号)."""
    doc = _json({**FACTS, "known_on": "2026-11-26", "people": 80, "appi_people": 1500})
    assert (doc["report"], doc["items"], doc["final_due"]) == ("effort", [], None)
    assert (doc["appi"]["report"], doc["appi"]["items"], doc["appi"]["final_due"]) == ("duty", [4], "2026-12-25")  # type: ignore[index]


def test_issue12_outsourcee_notifies_the_principal() -> None:
    doc = _json({**FACTS, "known_on": "2026-11-26", "people": 120, "role": "outsourcee"})
    assert (doc["report"], doc["items"], doc["final_due"]) == ("duty", [4], "2026-12-25")  # as for self
    assert doc["notify_principal"] is True and doc["principal_notice_due"] == ["2026-11-28", "2026-11-30"]
    assert any("規則第4条" in r for r in doc["reasons"])  # type: ignore[attr-defined]
    none = _json({**FACTS, "known_on": "2026-11-26", "people": 50, "role": "outsourcee"})
    assert none["notify_principal"] is False and none["principal_notice_due"] is None  # no duty, nothing to notify


def test_issue12_principal_day_one_is_the_earlier_notice() -> None:
    doc = _json({**FACTS, "known_on": "2026-11-26", "people": 120, "role": "principal", "principal_notified_on": "2026-11-20"})
    assert (doc["known_on"], doc["day_one"]) == ("2026-11-26", "2026-11-20")
    assert doc["preliminary_due"] == ["2026-11-22", "2026-11-24"] and doc["final_due"] == "2026-12-21"
    assert doc["notify_principal"] is False


def test_issue12_no_leak_no_breach_is_none_and_small_breach_is_effort() -> None:
    doc = _json({**FACTS, "people": 1500, "leaked": "no"})
    assert (doc["report"], doc["appi"]["report"]) == ("none", "none")  # type: ignore[index]
    assert [k["key"] for k in doc["reason_keys"]][0] == "assess.reason.mynumber.no_incident"  # type: ignore[index]
    small = _json({**FACTS, "people": 100, "leaked": "no", "provision_art19": "yes"})
    assert (small["report"], small["appi"]["report"]) == ("effort", "none")  # type: ignore[index]


def test_issue12_count_rising_past_100_starts_item_4_clock() -> None:
    doc = _json({**FACTS, "known_on": "2026-11-26", "people": 150, "over_100_on": "2026-12-10"})
    assert (doc["day_one"], doc["final_due"]) == ("2026-12-10", "2027-01-08")


def test_docs_list_every_output_field() -> None:
    """docs/assess.md's table of output fields is the command's output, neither more nor less."""
    md = (ROOT / "docs" / "assess.md").read_text(encoding="utf-8")
    lines = md.splitlines()
    start = lines.index("| field | meaning |")
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("|"))
    rows = lines[start + 2 : end]
    documented = [row.split("`")[1] for row in rows]
    doc = _json({**FACTS, "role": "outsourcee"})
    assert documented == list(doc)
    for key in doc["appi"]:  # type: ignore[attr-defined]
        assert f"`{key}`" in rows[documented.index("appi")], key
