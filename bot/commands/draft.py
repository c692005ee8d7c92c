"""``mynaleak draft ML-2026-0001``: the report to the PPC (or, with ``--notice``, the notice to the
individuals) drafted from the incident's record in the database.

Usage: ``draft ID [--notice] [--format md|docx] [--out PATH] [--lang ja|en]``. Markdown goes to
stdout unless ``--out`` is given; .docx is written to ``--out`` (default ``ID-report.docx`` /
``ID-notice.docx``). The language defaults to the incident's. Exit status 0 on success, 2 on bad
arguments, an unknown incident, or an unreadable configuration or database (one line on stderr,
never a traceback). Reads only: nothing is written to the database.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.core.config import ConfigError, OrgConfig, Settings, load_org
from bot.core.i18n import DEFAULT_LANG, LANGS, lang_hint, t
from bot.core.model import Incident
from flows.draft import Draft, build_notice, build_report, to_markdown

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


@dataclass(frozen=True)
class DraftArgs:
    incident_id: str
    notice: bool = False
    fmt: str = "md"
    out: Path | None = None
    lang: str | None = None  # None: the incident's language


def parse_args(argv: list[str]) -> DraftArgs | None:
    """The arguments after ``draft``; None for ``--help``. Raises :class:`DraftError` ("args")."""
    ids: list[str] = []
    notice, fmt, out, lang, help_ = False, None, None, None, False
    args = iter(argv)
    for arg in args:
        name, eq, inline = arg.partition("=")
        if arg in ("-h", "--help"):
            help_ = True
        elif arg == "--notice":
            notice = True
        elif name in ("--format", "--out", "--lang"):
            value = inline if eq else next(args, "")
            if not value:
                raise DraftError("args", detail=name)
            if name == "--format":
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
    return DraftArgs(ids[0].strip(), notice, fmt, out, lang)


def build(incident: Incident, config: OrgConfig, notice: bool = False, lang: str | None = None) -> Draft:
    """The report (or the notice) for ``incident`` in ``lang`` (default: the incident's language)."""
    lang = lang or incident.lang or DEFAULT_LANG
    if notice:
        return build_notice(incident, config, lang=lang)
    return build_report(incident, config, None, lang=lang)


def export(draft: Draft, fmt: str = "md") -> tuple[str, bytes, str]:
    """``draft`` as a file to post or download: (file name, content, MIME type)."""
    name = f"{draft.incident_id or 'draft'}-{draft.kind}.{fmt}"
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
        draft = build(incident, config, args.notice, args.lang)
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
