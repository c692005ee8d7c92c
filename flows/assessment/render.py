"""Human text for an :class:`~flows.assessment.engine.Assessment` (Japanese by default).

Every string comes from the message catalogue (``bot/core/i18n/<lang>/assessment.yaml``). The text
says once that it is not legal advice, and — when a report is a duty — mentions that the old PPC
leaflet's "everyone contacted, no real leak, no report" exemption is no longer in the rule (it is
never applied).
"""

from __future__ import annotations

from datetime import date

from bot.core.i18n import DEFAULT_LANG, t
from flows.assessment.engine import Assessment, Reason
from flows.calendar import closed_reason, day_n


def render_reason(reason: Reason, lang: str = DEFAULT_LANG) -> str:
    """One reason as text; every reason's message cites its article."""
    return t(reason.key, lang, **reason.as_dict())


def render_date(d: date, lang: str = DEFAULT_LANG) -> str:
    """An ISO date with its weekday, e.g. ``2026-12-25（金）``."""
    return t("cal.date", lang, date=d.isoformat(), weekday=t(f"cal.weekday.{d.weekday()}", lang))


def _items(law: str, items: tuple[int, ...], lang: str) -> str:
    nos = t("assess.list_sep", lang).join(t("assess.cite.no", lang, no=no) for no in items)
    return t(f"assess.cite.{law}.items", lang, nos=nos)


def _deadline_lines(
    law: str,
    known_on: date,
    preliminary: tuple[date, date],
    final: date,
    days: int,
    lang: str,
) -> list[str]:
    first, last = preliminary
    lines = [
        t(
            f"assess.{law}.preliminary",
            lang,
            first=render_date(first, lang),
            last=render_date(last, lang),
        ),
        t(f"assess.{law}.final", lang, due=render_date(final, lang), days=days),
    ]
    unrolled = day_n(known_on, days)
    if unrolled != final:
        why = t(f"cal.closed.{closed_reason(unrolled)}", lang)
        lines.append(t(f"assess.{law}.final.rolled", lang, day=render_date(unrolled, lang), why=why))
    return lines


def _law_lines(a: Assessment, law: str, lang: str) -> list[str]:
    if law == "mynumber":
        report, items, pre, final, days, day_one = (
            a.report,
            a.items,
            a.preliminary_due,
            a.final_due,
            a.final_days,
            a.day_one,
        )
    else:
        r = a.appi
        report, items, pre, final, days, day_one = (
            r.report,
            r.items,
            r.preliminary_due,
            r.final_due,
            r.final_days,
            r.day_one,
        )
    lines = [t(f"assess.{law}.heading", lang)]
    lines.append(t(f"assess.{law}.report.{report}", lang, items=_items(law, items, lang)))
    for reason in a.reasons:
        if reason.law == law:
            lines.append(t("assess.bullet", lang, text=render_reason(reason, lang)))
    if report == "duty" and pre is not None and final is not None and days is not None:
        lines.extend(_deadline_lines(law, day_one or a.known_on, pre, final, days, lang))
        lines.append(t(f"assess.{law}.notify", lang))
    return lines


def render(assessment: Assessment, lang: str = DEFAULT_LANG) -> str:
    """The assessment as plain text in ``lang`` ("ja" default, or "en")."""
    a = assessment
    lines = [
        t(
            "assess.title",
            lang,
            known_on=render_date(a.known_on, lang),
            pack=a.rule_pack,
        ),
        "",
    ]
    lines.extend(_law_lines(a, "mynumber", lang))
    lines.append("")
    lines.extend(_law_lines(a, "appi", lang))
    lines.append("")
    if a.drivers:
        sep = t("assess.list_sep", lang)
        names = sep.join(t(f"assess.fact.{name}", lang) for name in a.drivers)
        lines.append(t("assess.drivers", lang, facts=names))
    if a.report == "duty":
        lines.append(t("assess.leaflet_note", lang))
    lines.append(t("assess.disclaimer", lang))
    return "\n".join(lines) + "\n"
