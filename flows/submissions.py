"""What was filed with the regulators: the incident's 速報・確報・追完 records, read without I/O.

Each law with a report duty is tracked on its own (LEGAL.md): My Number reports (番号法) always go
to the PPC; reports under the general privacy law (個人情報保護法, "appi") go to the PPC, or to the
ministry named in the organisation file (``appi_report_to``) where the PPC delegated its power.

The records drive the deadline reminders (``flows.deadlines``), not the checklist: a 速報 is chased
until a 速報 or a 確報 of that law is recorded (one report may serve as both), the 確報 until a 確報 of
that law is recorded, whatever the checkbox says. The drafts read :func:`recorded` and
:func:`next_kind` (which report type a new draft is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.core.config import OrgConfig
from bot.core.model import Incident, Submission
from flows.assessment import Assessment
from flows.outsourcing import released

LAWS = ("mynumber", "appi")
KINDS = ("prelim", "final", "supplement")  # 速報, 確報, 追完
CHANNELS = ("ppc_web", "ministry")


@dataclass(frozen=True)
class Duty:
    """One law's report duty: its 速報 window and 確報 deadline (from the assessment)."""

    law: str
    preliminary_due: tuple[date, date] | None
    final_due: date
    final_days: int | None


def recorded(inc: Incident, law: str | None = None, kind: str | None = None) -> tuple[Submission, ...]:
    """The incident's submissions of ``law`` and ``kind`` (any, when None), in the order recorded."""
    return tuple(s for s in inc.submissions if (law is None or s.law == law) and (kind is None or s.kind == kind))


def filed(inc: Incident, law: str, kind: str) -> bool:
    """Is the ``kind`` report of ``law`` on record? A 確報 also answers the 速報 (one report may be both)."""
    kinds = ("prelim", "final") if kind == "prelim" else (kind,)
    return any(recorded(inc, law, k) for k in kinds)


def next_kind(inc: Incident, law: str) -> str:
    """The report type of the next submission of ``law``: 速報 first, 確報 after one, 追完 once a 確報 is in."""
    if filed(inc, law, "final"):
        return "supplement"
    return "final" if recorded(inc, law, "prelim") else "prelim"


def duties(a: Assessment, inc: Incident) -> tuple[Duty, ...]:
    """The laws with a report duty under assessment ``a``, My Number law first — none once ``inc``,
    as outsourcee, has its notice to the principal on record (``flows.outsourcing.released``)."""
    out = []
    if released(inc):
        return ()
    if a.report == "duty" and a.final_due is not None:
        out.append(Duty("mynumber", a.preliminary_due, a.final_due, a.final_days))
    if a.appi.report == "duty" and a.appi.final_due is not None:
        out.append(Duty("appi", a.appi.preliminary_due, a.appi.final_due, a.appi.final_days))
    return tuple(out)


def notice_laws(a: Assessment, inc: Incident) -> tuple[str, ...]:
    """The laws under which the individuals must be notified (番号法第29条の4第2項, 個人情報保護法第26条第2項):
    none once ``inc``, as outsourcee, has notified the principal (both paragraphs except it)."""
    if released(inc):
        return ()
    return tuple(law for law, due in (("mynumber", a.notify_individuals), ("appi", a.appi.notify_individuals)) if due)


def outstanding(inc: Incident, a: Assessment) -> tuple[Duty, ...]:
    """The duties whose 確報 is not yet on record."""
    return tuple(d for d in duties(a, inc) if not filed(inc, d.law, "final"))


def destination(law: str, config: OrgConfig) -> str:
    """The ministry that takes ``law``'s reports, or "" for the PPC."""
    return config.appi_report_to if law == "appi" else ""
