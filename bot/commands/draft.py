"""``mynaleak draft ML-2026-0001``: the report to the PPC (or another draft: ``--kind notice`` — the
notice to the individuals, also ``--notice`` —, ``announcement``, ``principal``) drafted from the
incident's record in the database.

Usage: ``draft ID [--kind report|notice|announcement|principal] [--type prelim|final|supplement]
[--to individual|all] [--date YYYY-MM-DD] [--format md|docx] [--out PATH] [--lang ja|en]``. The report
type defaults to the next one due (速報, then 確報, then 追完); the letters are dated today in the
organisation's time zone unless ``--date`` says otherwise. Markdown goes to stdout unless ``--out`` is
given; .docx is written to ``--out`` (default ``ID-report-prelim.docx``, ``ID-notice.docx`` …). The language defaults to the incident's. Exit status 0 on success, 2 on bad
arguments, an unknown incident, or an unreadable configuration or database (one line on stderr,
never a traceback). Reads only: nothing is written to the database.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from bot.core.config import ConfigError, OrgConfig, Settings, load_org
from bot.core.i18n import DEFAULT_LANG, LANGS, lang_hint, t
from bot.core.model import Incident
from flows.drafts import KINDS, REPORT_TYPES, Draft, to_markdown
from flows.drafts import build as build_draft

__all__ = ["DraftArgs", "DraftError", "build", "draft_main", "export", "main", "parse_args"]

log = logging.getLogger("mynaleak.draft")
EXIT_OK, EXIT_USAGE = 0, 2
FORMATS = ("md", "docx")
MIME = {
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class DraftError(Exception):
    """A problem to tell the operator: ``problem`` selects ``draft.cli.error.<problem>``."""

    def __init__(self, problem: str, **fields: object) -> None:
        super().__init__(problem)
        self.problem = problem
        self.fields = fields


TYPE_NAMES = {"速報": "prelim", "確報": "final", "追完": "supplement"}
ADDRESSEES = ("individual", "all")


@dataclass(frozen=True)
class DraftArgs:
    incident_id: str
    notice: bool = False
    fmt: str = "md"
    out: Path | None = None
    lang: str | None = None  # None: the incident's language
    kind: str = "report"  # report | notice | announcement | principal
    report_type: str = ""  # prelim | final | supplement; "": the next one due
    to: str = "individual"  # the notice: one person (〇〇〇〇 様) or all (各位)
    on: date | None = None  # the letters' date; None: today


_CHOICES = {"--kind": KINDS, "--type": REPORT_TYPES, "--to": ADDRESSEES}


def parse_args(argv: list[str]) -> DraftArgs | None:
    """The arguments after ``draft``; None for ``--help``. Raises :class:`DraftError` ("args")."""
    ids: list[str] = []
    notice, fmt, out, lang, help_ = False, None, None, None, False
    chosen: dict[str, str] = {}
    on: date | None = None
    args = iter(argv)
    for arg in args:
        name, eq, inline = arg.partition("=")
        if arg in ("-h", "--help"):
            help_ = True
        elif arg == "--notice":
            notice = True
        elif name in ("--format", "--out", "--lang", "--kind", "--type", "--to", "--date"):
            value = inline if eq else next(args, "")
            if not value:
                raise DraftError("args", detail=name)
            value = TYPE_NAMES.get(value, value) if name == "--type" else value
            if name in _CHOICES:
                if value not in _CHOICES[name]:
                    raise DraftError("args", detail=f"{name} {value}"[:60])
                chosen[name] = value
            elif name == "--date":
                try:
                    on = date.fromisoformat(value)
                except ValueError:
                    raise DraftError("args", detail=f"--date {value}"[:60]) from None
            elif name == "--format":
                if value not in FORMATS:
                    raise DraftError("args", detail=f"--format {value}"[:60])
                fmt = value
            elif name == "--lang":
                if value not in LANGS:
                    raise DraftError("args", detail=f"--lang {value}"[:60])
                lang = value
            else:
                out = Path(value)
        elif arg.startswith("-"):
            raise DraftError("args", detail=arg[:60])
        else:
            ids.append(arg)
    if help_:
        return None
    if len(ids) != 1 or len(ids[0]) > 64:
        raise DraftError("args", detail=" ".join(ids)[:60] or "ML-…")
    if fmt is None:
        fmt = "docx" if out is not None and out.suffix.lower() == ".docx" else "md"
    kind = chosen.get("--kind", "notice" if notice else "report")
    return DraftArgs(ids[0].strip(), kind == "notice", fmt, out, lang, kind, chosen.get("--type", ""), chosen.get("--to", "individual"), on)


def build(incident: Incident, config: OrgConfig, args: DraftArgs, today: date | None = None) -> Draft:
    """The draft ``args`` ask for, for ``incident``, in ``args.lang`` (default: the incident's language)."""
    lang = args.lang or incident.lang or DEFAULT_LANG
    on = args.on or today or datetime.now(config.tz).date()
    return build_draft(incident, config, args.kind, lang, on, args.report_type, args.to)


def export(draft: Draft, fmt: str = "md") -> tuple[str, bytes, str]:
    """``draft`` as a file to post or download: (file name, content, MIME type)."""
    name = f"{draft.stem}.{fmt}"
    if fmt == "docx":
        from flows.docx_export import to_docx_bytes

        return name, to_docx_bytes(draft), MIME["docx"]
    return name, to_markdown(draft).encode("utf-8"), MIME["md"]


async def _load(database_url: str, incident_id: str) -> Incident | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from storage.store import Store, Tx

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).exists():  # do not create an empty database file by reading
            raise DraftError("database", detail=f"{url.database}: no such file")
    store = Store.open(database_url)
    try:
        async with store.engine.connect() as conn:  # a plain read: no write lock on SQLite
            loaded = await Tx(conn, store.is_sqlite).load(incident_id)
    except (SQLAlchemyError, OSError) as err:
        log.warning("draft: cannot read the database: %s", type(err).__name__)
        raise DraftError("database", detail=type(err).__name__) from None
    finally:
        await store.close()
    return loaded.incident if loaded else None


def _config(settings: Settings) -> OrgConfig:
    try:
        return load_org(settings.config_path)
    except ConfigError as err:
        raise DraftError("config", detail=f"{err.source}: {'; '.join(err.problems)[:300]}") from None


async def draft_main(argv: list[str], stdout: TextIO | None = None, settings: Settings | None = None) -> int:
    """Run ``draft`` with ``argv`` (the arguments after ``draft``); return the exit status."""
    stdout = stdout or sys.stdout
    lang = lang_hint(argv)
    try:
        args = parse_args(argv)
        if args is None:
            stdout.write(t("draft.cli.usage", lang) + "\n")
            return EXIT_OK
        settings = settings or Settings.from_env()
        config = _config(settings)
        incident = await _load(settings.database_url, args.incident_id)
        if incident is None:
            raise DraftError("not_found", id=args.incident_id[:64])
        draft = build(incident, config, args)
        lang = draft.lang
        if args.fmt == "md" and args.out is None:
            stdout.write(to_markdown(draft))
            return EXIT_OK
        name, content, _ = export(draft, args.fmt)
        path = args.out or Path(name)
        try:
            path.write_bytes(content)
        except OSError as err:
            raise DraftError("write", path=str(path), detail=err.strerror or type(err).__name__) from None
        stdout.write(t("draft.cli.written", lang, path=str(path)) + "\n")
        return EXIT_OK
    except DraftError as err:
        message = t(f"draft.cli.error.{err.problem}", lang, **err.fields)
        sys.stderr.write(t("draft.cli.error", lang, message=message) + "\n")
        if err.problem == "args":
            sys.stderr.write(t("draft.cli.usage", lang) + "\n")
        return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    """Synchronous entry point (``python -m bot.commands.draft …``)."""
    return asyncio.run(draft_main(list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    raise SystemExit(main())
