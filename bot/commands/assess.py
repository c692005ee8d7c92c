"""``mynaleak assess``: assess the facts in a JSON file (or stdin) and print the result.

Usage: ``assess FILE.json|- [--json] [--lang ja|en]`` — see docs/assess.md for the input format.
Exit status: 0 on success, 2 on bad arguments or bad input (a one-line error naming the field is
printed on stderr; never a traceback).
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta
from typing import Any, TextIO

from bot.core.facts import Fact
from bot.core.i18n import DEFAULT_LANG, LANGS, lang_hint, t
from flows.assessment import (
    INPUT_FACTS,
    Assessment,
    AssessmentInput,
    AssessmentInputError,
    assess,
    render,
    render_reason,
)
from flows.calendar import FIRST_SUPPORTED, LAST_SUPPORTED

__all__ = ["KEYS", "InputError", "input_table", "main", "parse_input", "to_json"]

KEYS: tuple[str, ...] = tuple(f.name for f in INPUT_FACTS)
"""Every key the input may have: the facts the assessment reads. Only ``known_on`` is required; a
missing fact is its default (yes/no facts "unknown", ``leaked`` "yes", ``role`` "self"), a missing
count or other date is unknown (null)."""

FIRST_KNOWN_ON = FIRST_SUPPORTED
LAST_KNOWN_ON = LAST_SUPPORTED - timedelta(days=90)  # day 60 and its roll-forward stay in range
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EXIT_OK, EXIT_USAGE = 0, 2


class InputError(Exception):
    """Bad arguments or input: ``problem`` selects the message ``assess.cli.error.<problem>``."""

    def __init__(self, problem: str, **fields: object) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fields = fields

    def message(self, lang: str) -> str:
        return t(f"assess.cli.error.{self.problem}", lang, **self.fields)


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _parse_date(name: str, value: object) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InputError("date", field=name, value=_show(value))
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InputError("date", field=name, value=_show(value)) from None
    if not FIRST_KNOWN_ON <= parsed <= LAST_KNOWN_ON:
        raise InputError(
            "date_range",
            field=name,
            value=_show(value),
            first=FIRST_KNOWN_ON.isoformat(),
            last=LAST_KNOWN_ON.isoformat(),
        )
    return parsed


def _parse(fact: Fact, data: dict[str, Any]) -> object:
    """The value of ``fact`` in ``data``, checked against the fact's type."""
    name = fact.name
    if fact.kind == "date":
        if name == "known_on" and name not in data:
            raise InputError("missing", field=name)
        value = data.get(name)
        return None if value is None and name != "known_on" else _parse_date(name, value)
    value = data.get(name, fact.default)
    if fact.kind == "count":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise InputError("count", field=name, value=_show(value))
        return value
    if fact.kind == "tri":
        if not isinstance(value, str) or value not in fact.choices:
            raise InputError("enum", field=name, value=_show(value))
        return value
    if fact.kind == "choice":
        if not isinstance(value, str) or value not in fact.choices:
            raise InputError(name, field=name, value=_show(value))  # assess.cli.error.<name> lists the choices
        return value
    raise ValueError(f"{name}: the assess input has no {fact.kind} facts")


def parse_input(data: object) -> AssessmentInput:
    """Validate decoded JSON and build the :class:`AssessmentInput`; raises :class:`InputError`."""
    if not isinstance(data, dict):
        raise InputError("not_object")
    for key in data:
        if key not in KEYS:
            raise InputError("unknown_key", field=key, allowed=", ".join(KEYS))
    values = {fact.name: _parse(fact, data) for fact in INPUT_FACTS}
    try:
        return AssessmentInput(**values)  # type: ignore[arg-type]
    except AssessmentInputError as err:  # e.g. people_max below people
        raise InputError(err.problem, field=err.field, value=_show(err.value)) from None


_DOC_TYPES = {
    "date": '`"YYYY-MM-DD"`',
    "count": "integer ≥ 0 or `null`",
    "tri": '`"yes"`/`"no"`/`"unknown"`',
}


def _doc_type(fact: Fact) -> str:
    if fact.kind == "choice":
        return "/".join(f'`"{c}"`' for c in fact.choices)
    if fact.kind == "date" and fact.name != "known_on":
        return '`"YYYY-MM-DD"` or `null`'
    return _DOC_TYPES[fact.kind]


_DOC_LAWS = {"mynumber": "My Number Act", "appi": "APPI", "both": "both"}


def input_table() -> str:
    """The table of input keys in docs/assess.md (tests/test_facts.py checks the doc has it)."""
    lines = ["| key | type | read by | meaning |", "|---|---|---|---|"]
    previous = ""
    for fact in INPUT_FACTS:
        kind = _doc_type(fact)
        lines.append(f"| `{fact.name}` | {'same' if kind == previous else kind} | {_DOC_LAWS[fact.law]} | {fact.doc} |")
        previous = kind
    return "\n".join(lines) + "\n"


def _dates(pair: tuple[date, date] | None) -> list[str] | None:
    return None if pair is None else [d.isoformat() for d in pair]


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def to_json(a: Assessment, lang: str = DEFAULT_LANG) -> dict[str, object]:
    """The assessment as a JSON-ready dict (reasons rendered in ``lang``)."""
    return {
        "rule_pack": a.rule_pack,
        "known_on": a.known_on.isoformat(),
        "report": a.report,
        "items": list(a.items),
        "preliminary_due": _dates(a.preliminary_due),
        "final_due": _iso(a.final_due),
        "final_days": a.final_days,
        "notify_individuals": a.notify_individuals,
        "day_one": _iso(a.day_one),
        "notify_principal": a.notify_principal,
        "principal_notice_due": _dates(a.principal_notice_due),
        "appi": {
            "report": a.appi.report,
            "items": list(a.appi.items),
            "preliminary_due": _dates(a.appi.preliminary_due),
            "final_due": _iso(a.appi.final_due),
            "final_days": a.appi.final_days,
            "notify_individuals": a.appi.notify_individuals,
            "day_one": _iso(a.appi.day_one),
        },
        "reasons": [render_reason(r, lang) for r in a.reasons],
        "reason_keys": [{"law": r.law, "item": r.item, "key": r.key, "fields": r.as_dict()} for r in a.reasons],
        "drivers": list(a.drivers),
        "in_force": a.in_force,
    }


def _parse_args(argv: list[str]) -> tuple[str | None, bool, str]:
    """(path or None for --help, --json, lang)."""
    paths: list[str] = []
    as_json, lang, help_ = False, DEFAULT_LANG, False
    args = iter(argv)
    for arg in args:
        if arg in ("-h", "--help"):
            help_ = True
        elif arg == "--json":
            as_json = True
        elif arg == "--lang" or arg.startswith("--lang="):
            value = arg.partition("=")[2] if "=" in arg else next(args, "")
            if value not in LANGS:
                raise InputError("args", detail=f"--lang {value}".strip())
            lang = value
        elif arg.startswith("-") and arg != "-":
            raise InputError("args", detail=arg)
        else:
            paths.append(arg)
    if help_:
        return None, as_json, lang
    if len(paths) != 1:
        raise InputError("args", detail=" ".join(paths) or "FILE")
    return paths[0], as_json, lang


def _read(path: str, stdin: TextIO) -> str:
    try:
        if path == "-":
            raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
        else:
            with open(path, "rb") as fh:
                raw = fh.read()
    except OSError as err:
        raise InputError("read", path=path, detail=err.strerror or str(err)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("encoding") from None


def main(argv: list[str], stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run ``assess`` with ``argv`` (the arguments after ``assess``); return the exit status."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    lang = lang_hint(argv)
    try:
        path, as_json, lang = _parse_args(argv)
        if path is None:
            stdout.write(t("assess.cli.usage", lang) + "\n")
            return EXIT_OK
        text = _read(path, stdin)
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError("json", line=err.lineno, col=err.colno, detail=err.msg) from None
        except RecursionError:
            raise InputError("json", line=1, col=1, detail="nested too deeply") from None
        assessment = assess(parse_input(data))
    except InputError as err:
        sys.stderr.write(t("assess.cli.error", lang, message=err.message(lang)) + "\n")
        if err.problem == "args":
            sys.stderr.write(t("assess.cli.usage", lang) + "\n")
        return EXIT_USAGE
    if as_json:
        stdout.write(json.dumps(to_json(assessment, lang), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(render(assessment, lang))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
