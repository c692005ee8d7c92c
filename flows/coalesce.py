"""Flood control: a burst of reports must not page people into the ground, and no report is dropped.

Every report, page, digest, folded page and burst note leaves a row in the recent-paging log
(:class:`bot.core.effects.Mark` → table ``page_log``), written in the same transaction as the pages;
the runtime loads the log (the last two windows) into ``State.marks`` for every event that may page,
under a lock, so the counts hold across replicas and restarts.

The rule, per person, over a sliding window (``escalation.coalesce``: 5 pages in 10 minutes):
- a person sent fewer than ``after_pages`` pages and digests in the window is paged as usual;
- otherwise the page is *folded*: the incident is stored, carded and escalated as usual, but the person
  gets no page for it. The first fold sends one digest page ("N more incidents, by whom"); later folds
  update that digest in place (the incident that sent it owns its tag), so they notify nobody. A digest
  is current for one window; after that the next fold sends a new one.
Escalation steps 2+ and a restarted chain page through the same rule. Drills are left out.

Reports: once more than ``after_pages`` reports arrived within the window, the incident channel gets one
burst note ("N reports in M minutes by …"), updated in place as more arrive, a new one per window.
The reporter of an incident whose page was folded is told so in the confirmation.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from bot.core.effects import Effect, Mark, Notify, Post, Update
from bot.core.i18n import join, t
from bot.core.model import Incident, PageMark, PlaceRef, UserRef
from bot.core.paging import SERVICES
from bot.core.views import Card, Field
from flows.cards import note
from flows.common import Ctx
from flows.common import who as named

SHOWN = 25  # incident ids listed in a digest or a burst note; the rest are counted
NAMES = 8  # reporters named
ACKED = "acked"  # a log row: the incident was acknowledged (a digest listing it says so)


def who(user: UserRef | PlaceRef) -> str:
    return f"{user.platform}:{user.key}"


def window(ctx: Ctx) -> timedelta:
    return timedelta(minutes=ctx.config.coalesce_window_minutes)


def active(inc: Incident, ctx: Ctx) -> bool:
    return ctx.config.coalesce_after > 0 and not inc.drill


@dataclass
class Routed:
    """One step's pages after flood control."""

    effects: list[Effect] = field(default_factory=list)  # pages and digests (Notify), digest updates, marks
    sent: list[str] = field(default_factory=list)  # the tags of the pages sent
    paged: list[UserRef] = field(default_factory=list)
    folded: list[UserRef] = field(default_factory=list)


def route(inc: Incident, pages: list[Notify], marks: tuple[PageMark, ...] | None, ctx: Ctx) -> Routed:
    """Send each page, or fold it into its person's digest."""
    out = Routed()
    if not active(inc, ctx):
        out.effects, out.sent, out.paged = list(pages), [p.tag for p in pages], [p.user for p in pages]
        return out
    log = list(marks or ())
    since = ctx.now - window(ctx)
    reporter = inc.reporter.name or inc.reporter.key
    for page in pages:
        key = who(page.user)
        if page.user.platform in SERVICES:  # PagerDuty / the webhook group alerts themselves (one per incident): never folded
            out.effects.append(page)
            out.sent.append(page.tag)
            out.paged.append(page.user)
            continue
        mine = [m for m in log if m.who == key and m.at > since]
        if sum(1 for m in mine if m.kind in ("page", "digest")) < ctx.config.coalesce_after:
            out.effects += [page, Mark("page", key, page.tag)]
            log.append(PageMark("page", key, ctx.now, inc.id, page.tag))
            out.sent.append(page.tag)
            out.paged.append(page.user)
            continue
        digest = next((m for m in reversed(mine) if m.kind == "digest"), None)
        first = digest is None
        if digest is None:
            digest = PageMark("digest", key, ctx.now, inc.id, "digest:" + page.tag.removeprefix("page:"))
            log.append(digest)
        log.append(PageMark("fold", key, ctx.now, inc.id, digest.tag, reporter))
        # the folds since the current digest began are its content (a new digest only once the last left the window)
        folds = [m for m in log if m.kind == "fold" and m.who == key and m.at >= digest.at]
        card = digest_card(folds, ctx, inc.lang, _acked(log))
        if first:
            out.effects += [Notify(page.user, card, digest.tag), Mark("digest", key, digest.tag)]
        else:  # the digest page already sent (by whichever incident) is updated in place: no new notification
            out.effects.append(Update(digest.tag, card, "" if digest.incident_id == inc.id else digest.incident_id))
        out.effects.append(Mark("fold", key, digest.tag, reporter))
        out.folded.append(page.user)
    return out


def _reporter(mark: PageMark, lang: str) -> str:
    """A report's reporter, as chat views name people (their key is the mark's ``who``)."""
    platform, _, key = mark.who.partition(":")
    return named(UserRef(platform, key, mark.name), lang)


def _tally(names: list[str], lang: str) -> str:
    counted = Counter(names).most_common()
    shown = join((t("flood.by", lang, name=n, n=c) for n, c in counted[:NAMES]), lang)
    return shown + (t("flood.more_names", lang, n=len(counted) - NAMES) if len(counted) > NAMES else "")


def _ids(ids: list[str], lang: str) -> str:
    shown = ", ".join(ids[:SHOWN])
    return shown + (t("flood.more_ids", lang, n=len(ids) - SHOWN) if len(ids) > SHOWN else "")


def _acked(log: list[PageMark] | tuple[PageMark, ...]) -> frozenset[str]:
    return frozenset(m.incident_id for m in log if m.kind == ACKED)


def digest_card(folds: list[PageMark], ctx: Ctx, lang: str, acked: frozenset[str] = frozenset()) -> Card:
    """The one page a person gets for the incidents folded since their digest began. Its title asks
    for action while any of them is unacknowledged (saying how many are), like a page's."""
    per_incident = {m.incident_id: m.name for m in folds}  # an incident paged again (a later step) is listed once
    ids = list(per_incident)
    done = sum(1 for i in ids if i in acked)
    window_minutes = minutes(ctx.config.coalesce_window_minutes)
    if done and done == len(ids):
        title = t("cardux.flood.digest_title_acked", lang, n=len(ids))
    elif done:
        title = t("cardux.flood.digest_title_some", lang, n=len(ids), acked=done)
    else:
        title = t("flood.digest_title", lang, n=len(ids))
    return Card(
        title=title,
        tone="success" if done and done == len(ids) else "danger",
        text=t("flood.digest_text", lang, limit=ctx.config.coalesce_after, minutes=window_minutes),
        fields=(
            Field(t("flood.incidents", lang), _ids(ids, lang)),
            Field(
                t("flood.reporters", lang), _tally([t("cardux.person", lang, name=n) for n in per_incident.values()], lang)
            ),  # the log keeps their names only
            Field(t("flood.updated", lang), ctx.hm(ctx.now)),
        ),
    )


def on_ack(inc: Incident, marks: tuple[PageMark, ...] | None, ctx: Ctx) -> list[Effect]:
    """``inc`` was acknowledged: the log remembers it, and every digest page listing it (still in the
    log: two windows back) is updated in place — 【確認済み】 once all its incidents are."""
    if not active(inc, ctx) or marks is None:
        return []
    log = (*marks, PageMark(ACKED, "", ctx.now, inc.id))
    acked = _acked(log)
    out: list[Effect] = [Mark(ACKED, who(inc.escalation.acked_by or inc.reporter))]
    for digest in (m for m in marks if m.kind == "digest"):
        folds = [m for m in marks if m.kind == "fold" and m.tag == digest.tag]
        if any(f.incident_id == inc.id for f in folds):
            card = digest_card(folds, ctx, inc.lang, acked)
            out.append(Update(digest.tag, card, "" if digest.incident_id == inc.id else digest.incident_id))
    return out


def minutes(value: float) -> str:
    return f"{value:g}"


def burst(inc: Incident, marks: tuple[PageMark, ...] | None, ctx: Ctx) -> list[Effect]:
    """A new report: its mark, and the channel's burst note once reports come faster than the limit."""
    if not active(inc, ctx):
        return []
    name = inc.reporter.name or inc.reporter.key
    effects: list[Effect] = [Mark("report", who(inc.reporter), "", name)]
    log = [*(marks or ()), PageMark("report", who(inc.reporter), ctx.now, inc.id, "", name)]
    since = ctx.now - window(ctx)
    reports = [m for m in log if m.kind == "report"]
    if sum(1 for m in reports if m.at > since) <= ctx.config.coalesce_after:
        return effects
    place = who(inc.channel)
    current = next((m for m in reversed(log) if m.kind == "burst" and m.who == place and m.at > since), None)
    start = (current.at if current else ctx.now) - window(ctx)
    counted = [m for m in reports if m.at > start]
    card = burst_card(counted, ctx, inc.lang)
    if current is None:
        return [*effects, Post(card, inc.channel, tag="burst"), Mark("burst", place, "burst")]
    return [*effects, Update(current.tag, card, "" if current.incident_id == inc.id else current.incident_id)]


def burst_card(reports: list[PageMark], ctx: Ctx, lang: str) -> Card:
    span = max(1, math.ceil((ctx.now - reports[0].at).total_seconds() / 60))
    text = t(
        "flood.burst",
        lang,
        n=len(reports),
        minutes=span,
        who=_tally([_reporter(m, lang) for m in reports], lang),
        limit=ctx.config.coalesce_after,
        window=minutes(ctx.config.coalesce_window_minutes),
    )
    return note(text + "\n" + t("flood.burst_ids", lang, ids=_ids([m.incident_id for m in reports], lang)), "warning")


def folded(effects: list[Effect]) -> bool:
    """Some page of these effects was folded into a digest."""
    return any(isinstance(e, Mark) and e.kind == "fold" for e in effects)
