"""What a `/mynaleak list` line adds about an open incident (and so the Slack App Home): who is being
paged now (第N段階 and the names, while the page waits for an answer) and the next report deadline not
yet met by a recorded submission. Computed here from the incident storage loaded for the list."""

from __future__ import annotations

from bot.core.i18n import t
from bot.core.model import Incident
from flows.card_summary import next_deadline
from flows.common import Ctx, people


def paged_now(inc: Incident, lang: str) -> str | None:
    """「呼び出し中：第1段階 佐藤 さん」 while paging; None otherwise."""
    esc = inc.escalation
    if inc.status != "open" or esc.status != "paging" or not esc.chain or esc.paged_at is None:
        return None
    step = min(esc.step, len(esc.chain) - 1)
    names = people(esc.chain[step].people, lang)
    return t("homeinfo.paged", lang, step=step + 1, names=names)


def deadline(inc: Incident, ctx: Ctx) -> str | None:
    """「次の期限：速報（番号法）2026-11-30 まで」 while open and a report is still owed; None otherwise."""
    nxt = next_deadline(inc, ctx) if inc.status == "open" else None
    if nxt is None:
        return None
    day, kind, law = nxt
    lang = ctx.lang
    return t("homeinfo.deadline", lang, kind=t(f"lifecycle.kind.{kind}", lang), law=t(f"lifecycle.law.{law}", lang), due=day.isoformat())


def extras(inc: Incident | None, ctx: Ctx) -> list[str]:
    """The parts a list line adds (none for an incident not loaded, or closed)."""
    if inc is None:
        return []
    return [part for part in (paged_now(inc, ctx.lang), deadline(inc, ctx)) if part]
