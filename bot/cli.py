"""`mynaleak run | migrate | check-config | audit verify|export|checkpoint | assess | draft | teams-package`
(the commands beyond running the bot live in ``bot.commands``)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.commands.common import say
from bot.core.config import AUDIT_KEY_MIN, ConfigError, OrgConfig, Settings, load_org
from bot.core.platform import PlatformRefused

log = logging.getLogger("mynaleak.cli")


def _config_or_exit(settings: Settings) -> OrgConfig:
    import adapters

    try:
        return load_org(settings.config_path, adapters.names())
    except ConfigError as exc:
        say("cli.config_errors", settings, err=True, source=exc.source)
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
        raise SystemExit(2) from None


async def _migrate(settings: Settings) -> int:
    from storage.migrate import current, upgrade
    from storage.store import Store

    store = Store.open(settings.database_url)
    try:
        await upgrade(store.engine)
        say("cli.migrated", settings, revision=await current(store.engine), url=_safe_url(settings.database_url))
    finally:
        await store.close()
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _audit_key_check(settings: Settings) -> int:
    """Refuse (2) an audit key that cannot be used, or none while Slack or Teams is configured; warn
    when the public development key will be used."""
    from bot.app import audit_key_refusal, enabled_platforms

    refusal = audit_key_refusal(settings, enabled_platforms(settings))
    if refusal:
        path = settings.env.get("MYNALEAK_AUDIT_KEY_FILE", "")
        say(refusal, settings, err=True, path=path, error=settings.audit_key_detail, n=settings.audit_key_detail, min=AUDIT_KEY_MIN)
        return 2
    if not settings.audit_key:
        say("cli.audit_key_dev", settings, err=True)
    return 0


async def _run(settings: Settings, host: str, port: int) -> int:
    from bot.app import build
    from storage.migrate import NotMigrated

    config = _config_or_exit(settings)
    if _audit_key_check(settings):
        return 2
    settings = dataclasses.replace(settings, host=host, port=port)
    try:
        app = await build(settings, config=config)
    except NotMigrated as exc:
        say("cli.not_migrated", settings, err=True, have=exc.have, want=exc.want)
        return 2
    except PlatformRefused as exc:
        log.error("a platform refused to start", extra={"error": str(exc)[:300]})
        say("cli.error", settings, err=True, error=exc)
        return 2
    from bot.workers import worker_socket

    await app.serve(host, port, settings.tick_seconds, sock=worker_socket(settings.env, host, port))
    return 0


def _supervise(settings: Settings, host: str, port: int, workers: int) -> int:
    """``run --workers N``: check what every worker would refuse once, here, then start them."""
    import adapters
    from bot.app import enabled_platforms
    from bot.workers import supervise

    _config_or_exit(settings)
    if _audit_key_check(settings):
        return 2
    if adapters.DEFAULT in enabled_platforms(settings):  # its page token and live updates live in one process
        say("perf.workers_playground", settings, err=True)
        return 2
    return supervise(host, port, workers)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "assess":
        from bot.commands.assess import main as assess_main

        return assess_main(argv[1:])
    if argv and argv[0] == "draft":
        from bot.commands.draft import main as draft_main

        return draft_main(argv[1:])
    parser = argparse.ArgumentParser(prog="mynaleak", description="My Number leak response bot")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the bot (the playground when no Slack/Teams credentials are set)")
    run.add_argument("--host", help="address to bind (default 127.0.0.1; anything else exposes the bot)")
    run.add_argument("--port", type=int)
    run.add_argument("--workers", type=int, default=1, help="processes serving one port (Slack/Teams; each also ticks); default 1")
    sub.add_parser("migrate", help="create or upgrade the database")
    sub.add_parser("check-config", help="validate the organisation file")
    audit = sub.add_parser("audit", help="verify, export or checkpoint the audit trail")
    audit.add_argument("action", choices=("verify", "export", "checkpoint"))
    audit.add_argument("incident", nargs="?")
    audit.add_argument("--checkpoint", metavar="FILE", help="verify: also prove nothing before this checkpoint changed")
    audit.add_argument("--head", metavar="N:HEX", help="verify: also prove the ledger head posted in the chat is still there")
    audit.add_argument("--out", metavar="FILE", help="checkpoint: write it here (default: print it)")
    sub.add_parser("assess", help="assess a case from a JSON file (see docs/assess.md)")
    sub.add_parser("draft", help="draft the PPC report / notice from an incident (--notice, --format md|docx, --out, --lang)")
    pkg = sub.add_parser("teams-package", help="build the sideloadable Teams app package (zip) from the config")
    pkg.add_argument("--out", default=".", help="a .zip path or a folder (default: here)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    logs.setup(settings.log_level, settings.log_json)
    try:
        return _dispatch(args, settings, parser)
    except (SQLAlchemyError, OSError) as exc:
        log.error("database unavailable", extra={"error": str(exc).splitlines()[0][:300]})
        say("cli.db_unavailable", settings, err=True, error=type(exc).__name__)
        return 1


def _paging_check(cfg: OrgConfig, settings: Settings) -> int:
    """The mail and paging-service settings (MYNALEAK_SMTP_URL, MYNALEAK_PAGERDUTY_URL, MYNALEAK_WEBHOOK_KEY…)."""
    from bot import pager

    try:
        pager.channels(cfg, settings.env)
    except PlatformRefused as exc:
        say("cli.error", settings, err=True, error=exc)
        return 2
    return 0


def _dispatch(args: argparse.Namespace, settings: Settings, parser: argparse.ArgumentParser) -> int:
    if args.cmd == "check-config":
        cfg = _config_or_exit(settings)
        say("cli.config_valid", settings, path=settings.config_path, people=len(cfg.people), steps=len(cfg.escalation))
        if missing := cfg.company.missing():
            say("cli.company_missing", settings, err=True, fields=", ".join(f"company.{f}" for f in missing))
        if _audit_key_check(settings):
            return 2
        if settings.audit_key:
            say("cli.audit_key_set", settings)
        for chain, step, person, via, after, wait in cfg.late_channels():  # a warning: the file is still valid
            say("cli.page_never", settings, err=True, chain=chain, step=step, person=person, via=via, after=f"{after:g}", wait=f"{wait:g}")
        return _paging_check(cfg, settings)
    if args.cmd == "migrate":
        return asyncio.run(_migrate(settings))
    if args.cmd == "teams-package":
        from adapters.teams.package import PackageError, build_package

        try:
            path = build_package(_config_or_exit(settings), settings, args.out)
        except PackageError as exc:
            say("cli.error", settings, err=True, error=exc)
            return 2
        say("cli.package_written", settings, path=path)
        return 0
    if args.cmd == "run":
        from bot.workers import LISTEN_FD, REUSE_PORT

        host, port = args.host or settings.host, args.port if args.port is not None else settings.port
        if args.workers > 1 and not settings.env.get(LISTEN_FD) and not settings.env.get(REUSE_PORT):
            return _supervise(settings, host, port, args.workers)
        return asyncio.run(_run(settings, host, port))
    if args.cmd == "audit":
        from bot.commands.audit import audit

        if settings.audit_key_problem:
            return _audit_key_check(settings)
        incident = args.incident.upper() if args.incident else None
        return asyncio.run(audit(settings, args.action, incident, checkpoint=args.checkpoint, head=args.head, out=args.out))
    parser.error(f"unknown command {args.cmd}")
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
