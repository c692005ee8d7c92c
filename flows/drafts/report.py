"""The report to the PPC (規則第3条第1項 items 1–9) in the blocks of the PPC's report form: the report
type (速報 / 確報 / 追完) and the reporter (:func:`report_header`), then the nine matters.

Written for the regulator: facts as recorded, in plain sentences. Never the bot's hedges (an item of
規則第2条 is claimed only when the facts establish it; what is unknown reads 「調査中」), never chat
mechanics (who pressed what), never open checklist questions as measures (section 8 is made of the
measure records, the notes of prevention items done, and gaps — an item marked "not applicable"
because what it asks is not in place). A matter the record says nothing about is flagged 【未記入】.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bot.core.config import OrgConfig
from bot.core.facts import FACTS
from bot.core.i18n import DEFAULT_LANG
from bot.core.model import Incident
from flows.assessment import AssessmentInput, assess
from flows.drafts.common import BULLET, REPORT_TYPES, Draft, Record, ReportType, Section, scrub, sentence
from flows.law import assessment_input
from flows.submissions import CHANNELS, next_kind, recorded

__all__ = ["REPORT_SECTIONS", "build_report", "default_report_type", "report_header"]

REPORT_SECTIONS: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9)
_ESTABLISHED = (".yes", ".over", ".max_over")  # reason keys of a fact that is established, not only possible
_APPI_ONLY = frozenset(f.name for f in FACTS if f.law == "appi")  # not the My Number report's business


def _get(record: object, *names: str) -> Any:
    """A field of a submission record, whatever its shape (a mapping or an object)."""
    for name in names:
        value = record.get(name) if isinstance(record, Mapping) else getattr(record, name, None)
        if value not in (None, ""):
            return value
    return None


def submissions_of(inc: Incident) -> tuple[object, ...]:
    """The My Number Act reports recorded on the incident (速報/確報/追完; flows.submissions)."""
    return recorded(inc, law="mynumber")


def default_report_type(inc: Incident) -> ReportType:
    """速報 until one is recorded, then 確報, then 追完 (flows.submissions.next_kind)."""
    kind = next_kind(inc, "mynumber")
    return "supplement" if kind == "supplement" else "final" if kind == "final" else "prelim"


def _channel(value: object, config: OrgConfig, r: Record) -> str:
    """How a report was made, as the reader says it (a recorded channel code → its label)."""
    if value in CHANNELS:
        return r.t(f"lifecycle.channel.{value}", ministry=config.appi_report_to or "-")
    return str(value or r.t("drafts.unset"))


def report_header(
    inc: Incident, config: OrgConfig, report_type: str, submissions: Iterable[object] = (), lang: str = DEFAULT_LANG
) -> Section:
    """The report's first block: the report type, the reports already made, and the reporter (from the
    organisation file's ``company:``; a field not set reads 「（組織ファイルに未設定）」)."""
    r = Record(inc, config, lang)
    kind = report_type if report_type in REPORT_TYPES else "prelim"
    paras = [r.t("drafts.report.type", type=r.t(f"drafts.type.{kind}"))]
    made = list(submissions)
    for s in made:
        sub_kind = str(_get(s, "kind", "report", "type") or "")
        on = _get(s, "on", "date", "submitted_on", "at")
        paras.append(
            BULLET
            + r.t(
                "drafts.report.made",
                type=r.label("drafts.type", sub_kind),
                date=r.day(on) if hasattr(on, "year") else str(on or r.t("drafts.investigating")),
                channel=_channel(_get(s, "channel", "via"), config, r),
                receipt=str(_get(s, "receipt", "receipt_no", "receipt_number") or r.t("drafts.unset")),
            )
        )
    if kind != "prelim" and not made:
        paras.append(r.t("drafts.report.made_none"))
    paras += [r.t("drafts.report.reporter")]
    for name in ("name", "address", "representative", "department", "contact_person", "phone", "email"):
        if name == "email" and not config.company.email:
            continue
        paras.append(BULLET + r.t(f"drafts.company.{name}", value=r.company(name)))
    paras.append(BULLET + r.t("drafts.report.case_id", id=inc.id))
    return Section(0, r.t("drafts.report.header"), tuple(paras))


# ---- 1 概要 -----------------------------------------------------------------------------------------


def _event(r: Record) -> str:
    """発生事案: what responders chose of 漏えい / 滅失 / 毀損 (the fact ``event_kind``), 「…のおそれ」 while
    ``leaked`` is unknown; with none chosen, 漏えい (or its おそれ) as ``leaked`` says. ``leaked`` "no"
    (only use or provision in breach of the Act) wins: the law reads it."""
    leaked, kinds = r.inc.facts.leaked, tuple(getattr(r.inc.facts, "event_kind", ()) or ())
    if leaked != "no" and kinds:
        named = r.joined(r.label("event_kind", k) for k in kinds)
        return r.t("drafts.report.event", event=r.t("drafts.event.possible", kinds=named) if leaked == "unknown" else named)
    key = {"yes": "leak", "unknown": "leak_possible"}.get(leaked, "no_leak")
    return r.t("drafts.report.event", event=r.t(f"drafts.event.{key}"))


def _applicability(r: Record, assessed: AssessmentInput) -> list[str]:
    """規則第2条: the items the established facts meet; what is unknown is 「調査中」, never a suspicion."""
    try:
        a = assess(assessed)
    except ValueError:  # a date outside the calendar the engine knows
        return [r.t("drafts.art2.failed")]
    if a.report == "none":
        return [r.t("drafts.art2.excluded")]
    established = [no for no in a.items if any(x.item == no and x.key.endswith(_ESTABLISHED) for x in a.reasons if x.law == "mynumber")]
    drivers = [d for d in a.drivers if d not in _APPI_ONLY]
    open_facts = r.joined(r.t(f"assess.fact.{d}") for d in drivers)
    out = []
    if established:
        out.append(
            r.t("drafts.art2.meets", items=r.joined(r.t("drafts.art2.item", no=no, what=r.t(f"drafts.art2.{no}")) for no in established))
        )
    elif a.report == "duty":
        out.append(r.t("drafts.art2.possible"))
    else:
        out.append(r.t("drafts.art2.effort"))
    if drivers:
        out.append(r.t("drafts.art2.investigating", facts=open_facts))
    return out


def _relation(r: Record) -> str:
    if r.role == "outsourcee":
        return r.t("drafts.relation.outsourcee", party=r.party)
    if r.role == "principal":
        line = r.t("drafts.relation.principal", party=r.party)
        notified = r.fact("principal_notified_on")
        if isinstance(notified, str):
            try:
                notified = date.fromisoformat(notified[:10])
            except ValueError:
                notified = None
        if isinstance(notified, date):  # the day the outsourcee's notice reached us (別添２ 3F)
            line += r.t("drafts.relation.notified", date=r.day(notified))
        return line
    return r.t(f"drafts.relation.self.{r.inc.facts.outsourcee}", party=r.party)


def _timeline(r: Record) -> list[str]:
    """事実経過: when it happened and when the company knew (the facts), then what was recorded on the
    items of section 1, in the checklist's order. Not when somebody pressed a button: that is the
    chat's time, not the fact's (a note carries its own date where it matters)."""
    f = r.inc.facts
    lines = []
    if f.occurred_at is not None:
        lines.append(r.t("drafts.timeline.occurred", at=r.at(f.occurred_at)))
    if f.discovered_at is not None:
        lines.append(r.t("drafts.timeline.known", at=r.at(f.discovered_at)))
    lines += r.notes(1)
    return [BULLET + line for line in lines]


def _summary(r: Record, assessed: AssessmentInput) -> Section:
    f = r.inc.facts
    discoverer = f.discovered_by.strip()
    paras = [
        r.t("drafts.report.occurred", at=r.at(f.occurred_at)),
        r.t("drafts.report.discovered", at=r.at(f.discovered_at)),
        _event(r),
        *([r.t("drafts.report.summary", text=sentence(f.summary))] if f.summary.strip() else []),
        r.t("drafts.report.discoverer", name=discoverer) if discoverer else r.t("drafts.report.discoverer_missing"),
        *_applicability(r, assessed),
        _relation(r),
        r.t("drafts.report.timeline"),
        *_timeline(r),
    ]
    return r.section(1, r.t("drafts.heading", n=1, name=r.t("draft.section.1")), paras, bool(f.summary.strip()),
                     ("facts.summary", "facts.occurred_at", "facts.discovered_at"))  # fmt: skip


# ---- 2–9 ------------------------------------------------------------------------------------------


def _heading(r: Record, n: int) -> str:
    return r.t("drafts.heading", n=n, name=r.t(f"draft.section.{n}"))


def _data_items(r: Record) -> Section:
    f = r.inc.facts
    paras = [r.t("drafts.report.items", items=r.joined(r.label("data", d) for d in f.data_items))] if f.data_items else []
    paras += [r.t("drafts.report.medium", medium=r.label("medium", f.medium)), r.t("drafts.report.whose", whose=r.label("whose", f.whose))]
    notes = r.notes(2)
    return r.section(2, _heading(r, 2), paras + notes, bool(f.data_items or notes), ("facts.data_items", "facts.medium", "facts.whose"))


def count_text(r: Record) -> str | None:
    f = r.inc.facts
    if f.people is not None and f.people_max is not None and f.people_max > f.people:
        return r.t("draft.people_range", n=f.people, max=f.people_max)
    if f.people is not None:
        return r.t("facts.people_n", n=f.people)
    if f.people_max is not None:
        return r.t("facts.people_unknown_max", n=f.people_max)
    return None


def _count(r: Record) -> Section:
    count = count_text(r)
    notes = [n for n in r.notes(3) if n not in r.notes(2)]  # a note feeding both is said once
    paras = [r.t("drafts.report.people", count=count)] if count else []
    appi = r.fact("appi_people")
    if count and isinstance(appi, int) and r.inc.facts.people is not None and appi > r.inc.facts.people:
        paras.append(r.t("drafts.report.appi_people", n=appi))
    return r.section(3, _heading(r, 3), paras + notes, bool(count or notes), ("facts.people", "facts.people_max"))


def who_caused(r: Record) -> str:
    """Who caused it: the reporting company, or the outsourcee (named), or 調査中."""
    if r.role == "outsourcee":
        return r.t("drafts.cause.us_as_outsourcee")
    if r.role == "principal" or r.inc.facts.outsourcee == "yes":
        return r.t("drafts.cause.outsourcee", party=r.party)
    return r.t("drafts.cause.us") if r.inc.facts.outsourcee == "no" else r.t("drafts.cause.unknown")


def _cause(r: Record) -> Section:
    notes = r.notes(4)
    return r.section(4, _heading(r, 4), [*notes, who_caused(r)], bool(notes))


def _harm(r: Record) -> Section:
    notes = r.notes(5)
    return r.section(5, _heading(r, 5), notes, bool(notes))


def _actions(r: Record, n: int) -> Section:
    """本人への対応 / 公表: what was done (when), decided against (why), or not yet done."""
    paras: list[str] = []
    for item in r.mapped(n):
        note = sentence(item.note) if item.note.strip() else ""
        if item.state == "done" and note:  # what was recorded says what was done
            paras.append(BULLET + note)
        elif item.state == "done":
            paras.append(BULLET + r.t("drafts.action.done", text=r.text(item)))
        elif item.state == "na":
            key = "drafts.action.gap" if item.na_kind == "gap" else "drafts.action.na"
            paras.append(BULLET + r.t(key, text=r.text(item), reason=item.reason.strip().rstrip("。")))
        else:
            paras.append(BULLET + r.t("drafts.action.open", text=r.text(item)) + note)
    recorded = any(i.state != "open" or i.note.strip() for i in r.mapped(n))
    return r.section(n, _heading(r, n), paras if recorded else [], recorded)


def _measures(r: Record) -> Section:
    """再発防止: the measure records (done / planned), the notes of prevention items done, and gaps."""
    done = [m for m in r.inc.measures if m.status == "done"]
    planned = [m for m in r.inc.measures if m.status == "planned"]
    items = r.mapped(8)
    noted = [sentence(i.note) for i in items if i.state == "done" and i.note.strip()]
    gaps = [i for i in items if i.state == "na" and i.na_kind == "gap"]
    unsure = [i for i in items if i.state == "na" and not i.na_kind]
    paras: list[str] = []
    if done or noted:
        paras += [r.t("drafts.measures.done"), *(BULLET + r.measure(m) for m in done), *(BULLET + n for n in noted)]
    if planned or gaps:
        paras.append(r.t("drafts.measures.planned"))
        paras += [BULLET + r.measure(m) for m in planned]
        paras += [BULLET + r.t("drafts.measures.gap", reason=i.reason.strip().rstrip("。")) for i in gaps]
    for i in unsure:  # recorded before the form asked which: say so, do not file it as not applicable
        paras.append(r.t("drafts.measures.unsure", text=r.text(i), reason=i.reason.strip()))
    pending = [sentence(i.note) for i in items if i.state == "open" and i.note.strip()]
    if pending:  # a note on an open item is not yet a measure: shown for review, never filed as one
        paras += [r.t("drafts.measures.pending"), *(BULLET + n for n in pending)]
    recorded = bool(done or noted or planned or gaps)
    return r.section(8, _heading(r, 8), paras, recorded, ("measures",), flag=r.t("drafts.missing.measures"))


def _other(r: Record) -> Section:
    paras = []
    if r.inc.facts.notes.strip():
        paras.append(sentence(r.inc.facts.notes))
    paras += r.notes(9)
    if r.inc.drill:
        paras.append(r.t("draft.other.drill"))
    return r.section(9, _heading(r, 9), paras, bool(paras), ("facts.notes",), flag=r.t("draft.missing.other"))


def report_sections(r: Record, assessed: AssessmentInput) -> tuple[Section, ...]:
    """The nine matters of 規則第3条第1項 (also the notice to the principal's)."""
    return (
        _summary(r, assessed),
        _data_items(r),
        _count(r),
        _cause(r),
        _harm(r),
        _actions(r, 6),
        _actions(r, 7),
        _measures(r),
        _other(r),
    )


def build_report(
    incident: Incident,
    config: OrgConfig,
    assessed: AssessmentInput | None = None,
    lang: str = DEFAULT_LANG,
    report_type: str = "",
    submissions: Iterable[object] | None = None,
) -> Draft:
    """The report to the PPC from ``incident``'s record. ``report_type``: prelim (速報), final (確報) or
    supplement (追完); default :func:`default_report_type`. ``submissions``: the reports already made
    (default: those recorded on the incident). ``assessed``: the assessment's input for 規則第2条
    (default: read from the record)."""
    r = Record(incident, config, lang)
    kind = report_type if report_type in REPORT_TYPES else default_report_type(incident)
    made = submissions_of(incident) if submissions is None else tuple(submissions)
    header = report_header(incident, config, kind, made, r.lang)
    sections = (header, *report_sections(r, assessed or assessment_input(incident, config)))
    draft = Draft(
        title=r.t("drafts.report.title", drill=r.drill(), type=r.t(f"drafts.type.{kind}")),
        sections=sections,
        kind="report",
        header=r.t("draft.header", id=incident.id),
        intro=(r.t(f"drafts.report.basis.{kind}"),),
        lang=r.lang,
        incident_id=incident.id,
        report_type=kind,
    )
    return scrub(draft)
