"""A bot process for crash and multi-process tests: the real runtime, store and ticker (APScheduler),
with a recording adapter that appends every message it sends to a file (one JSON line each).

    python -m tests.support.proc --db URL --config FILE --log FILE [--report] [--tick 0.2]
Prints READY once ticking, and REPORTED <id> after a report was accepted (committed).
With --serve it runs the served application instead (``App.serve``: the web app on a free port, the
ticker, SIGTERM handling), the recording adapter standing in for the platform."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from bot.core.config import load_org
from bot.core.events import FormSubmitted
from bot.core.model import PlaceRef, UserRef
from bot.runtime import utcnow
from tests.support.harness import Harness


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--me")
    ap.add_argument("--tick", type=float, default=0.2)
    ap.add_argument("--report", action="store_true")
    ap.add_argument("--send-delay", type=float, default=0.0, help="seconds each message takes to send")
    ap.add_argument("--serve", action="store_true", help="run App.serve (its SIGTERM handling) instead of a bare ticker")
    args = ap.parse_args()
    if args.serve:
        await serve(args)
        return
    h = Harness(args.db, load_org(args.config), utcnow, Path(args.log), me=args.me)
    h.adapter.delay = args.send_delay
    if args.report:
        values = {"summary": "USBメモリ紛失", "discovered_at": utcnow().isoformat(), "medium": "removable", "people": "5",
                  "data_items": ("mynumber",), "whose": "employees"}  # fmt: skip
        out = await h.runtime.dispatch(
            FormSubmitted(UserRef("playground", "yamada"), "report", values, place=PlaceRef("playground", "dm:yamada"))
        )
        print(f"REPORTED {out.incident_id}", flush=True)
    h.ticker.start(args.tick)
    print("READY", flush=True)
    await asyncio.Event().wait()


async def serve(args: argparse.Namespace) -> None:
    from adapters.recording import RecordingAdapter
    from bot.app import build
    from bot.core.config import Settings

    settings = Settings.from_env({**os.environ, "DATABASE_URL": args.db})
    recording = RecordingAdapter("playground", Path(args.log))
    recording.delay = args.send_delay
    app = await build(settings, config=load_org(args.config), adapters={"playground": recording}, platforms=[])
    if args.me:
        app.runtime.me = app.deliverer.me = args.me
    print("READY", flush=True)
    await app.serve("127.0.0.1", 0, args.tick)


if __name__ == "__main__":
    asyncio.run(main())
