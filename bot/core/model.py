"""The platform-neutral model: frozen dataclasses, no platform types.

References to people, places and messages are ``(platform, opaque key)`` pairs; only the adapter of
that platform knows what the key means. Everything here is serialised as JSON (``bot.core.serde``), so any
replica can act on an incident after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

from bot.core.facts import Tri

ItemState = Literal["open", "done", "na"]
Severity = Literal["high", "medium", "low"]

# What a checklist item is for, when code must find it (by role, never by its id, which the
# organisation's template chooses). A template tags at most one item with each role.
REPORT_SUBMISSION = "report_submission"  # 「必要な場合は速報・確報を提出する」: ticked when every 確報 due is recorded
INDIVIDUAL_NOTICE = "individual_notice"  # 「該当者に連絡して…」: the notice to individuals given
ITEM_ROLES: tuple[str, ...] = (REPORT_SUBMISSION, INDIVIDUAL_NOTICE)


@dataclass(frozen=True)
class UserRef:
    platform: str
    key: str
    name: str = ""

    def same(self, other: UserRef | None) -> bool:
        """Same person on the same platform (the display name does not count)."""
        return other is not None and (self.platform, self.key) == (other.platform, other.key)


@dataclass(frozen=True)
class PlaceRef:
    """A channel, a DM or a conversation; ``key`` is opaque to the core."""

    platform: str
    key: str


@dataclass(frozen=True)
class MessageRef:
    platform: str
    key: str


@dataclass(frozen=True)
class Facts:
    """What the reporter (and later the responders) told us. Free text is already redacted.

    The fields are the recorded rows of the fact table :data:`bot.core.facts.FACTS`, in its order and
    with its defaults (tests/test_facts.py checks); the table says which form asks each."""

    summary: str = ""
    discovered_at: datetime | None = None  # when any department first knew (day 1 of the deadlines)
    occurred_at: datetime | None = None
    discovered_by: str = ""  # who discovered it and how (redacted free text; the report's 発見者)
    medium: str = "other"
    cause: str = "unknown"  # lost / misdirected / unauthorised_access / insider / other / unknown
    people: int | None = None  # individuals whose My Number data is affected
    people_max: int | None = None
    appi_people: int | None = None  # individuals whose personal data of any kind is affected (None: as people)
    appi_people_max: int | None = None
    data_items: tuple[str, ...] = ()
    whose: str = "unknown"
    encrypted: Tri = "unknown"
    exposed_online: Tri = "unknown"
    wrongful_purpose: Tri = "unknown"
    sensitive_data: Tri = "unknown"
    financial_harm: Tri = "unknown"
    outsourcee: Tri = "unknown"
    notes: str = ""
    # asked only in the facts form that responders edit after the report (see flows.facts_form)
    key_safe: Tri = "unknown"
    leaked: Tri = "yes"
    event_kind: tuple[str, ...] = ()  # 発生事案: leak / loss / damage (漏えい・滅失・毀損), several may apply
    government_system: Tri = "unknown"
    misuse_art9: Tri = "unknown"
    provision_art19: Tri = "unknown"
    role: str = "self"  # self / principal (委託元) / outsourcee (委託先)
    principal_notified_on: date | None = None  # principal: the day the outsourcee's notice reached us
    party_name: str = ""  # the other party of the outsourcing (redacted free text)
    # recorded by the bot: the day a facts update first raised the My Number count past 100
    over_100_on: date | None = None


@dataclass(frozen=True)
class Route:
    """One way to page one person of a step (the person's ``page:`` policy in the organisation file):
    ``via`` ``chat`` (``to`` is their id on the incident's platform) or a notifier channel (``email``:
    ``to`` is ``UserRef("email", address, name)``), ``after_minutes`` after the step is paged.
    ``person`` indexes the step's ``people`` (who acknowledges through this route)."""

    person: int
    via: str
    to: UserRef
    after_minutes: float = 0


@dataclass(frozen=True)
class ChainStep:
    people: tuple[UserRef, ...]  # who acknowledges: each person's chat id, or their e-mail ref if they have none
    wait_minutes: float
    routes: tuple[Route, ...] = ()  # empty (incidents stored before paging policies): each person by chat at once
    # away (flows.away): per person of ``people``, the name of the away person they stand in for ("": their own
    # place); ``skipped``: the names of away people without a deputy, left out of this step
    covers: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()

    def paths(self) -> tuple[Route, ...]:
        return self.routes or tuple(Route(i, "chat", u) for i, u in enumerate(self.people))


@dataclass(frozen=True)
class Escalation:
    """The chain snapshot and where it stands. ``id`` changes whenever the escalation restarts."""

    id: int
    chain: tuple[ChainStep, ...]
    repeat_last: int = 0
    step: int = 0
    attempt: int = 0
    status: Literal["paging", "acked", "exhausted", "stopped"] = "paging"
    acked_by: UserRef | None = None
    acked_at: datetime | None = None
    pages: tuple[str, ...] = ()  # tags of every page sent, to update them on ack
    paged_at: datetime | None = None  # when the current step was paged (the card shows it)
    next_at: datetime | None = None  # when the next step is due unless someone acknowledges
    unreachable: tuple[str, ...] = ()  # tags of the current step's pages that can never be delivered
    off_hours: bool = False  # the chain is the off-hours one (escalation.off_hours; flows.away)
    # the chain as snapshotted, before deputies (flows.away); ``chain`` holds each step as last paged.
    # Empty until a step was paged with someone away (and for incidents stored before away periods).
    planned: tuple[ChainStep, ...] = ()

    def members(self) -> tuple[UserRef, ...]:
        return tuple(dict.fromkeys(p for s in self.chain + self.planned for p in s.people))  # the away, their deputies

    def timer_key(self) -> str:
        return f"e{self.id}-s{self.step}-a{self.attempt}"


@dataclass(frozen=True)
class Item:
    id: str
    step: int
    text: str
    required: bool = True
    state: ItemState = "open"
    owner: UserRef | None = None
    note: str = ""
    reason: str = ""
    by: UserRef | None = None
    at: datetime | None = None
    role: str = ""  # copied from the template (ITEM_ROLES); "" for untagged items and incidents stored before roles
    # why an item is "na": "na" it does not apply to this incident; "gap" what it asks is not in place
    # (e.g. no training plan was ever made) and is to be addressed; "" recorded before this was asked
    na_kind: Literal["", "na", "gap"] = ""


@dataclass(frozen=True)
class Measure:
    """A recurrence-prevention measure recorded on the prevention step (規則第3条第1項第8号):
    carried out (``done``, on ``on``) or decided and planned (``planned``, for ``on`` if known)."""

    id: int
    text: str
    status: Literal["done", "planned"]
    on: date | None = None
    by: UserRef | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class Submission:
    """One report filed with a regulator (flows.submissions): ``law`` ``mynumber`` (番号法, always the
    PPC) or ``appi`` (個人情報保護法: the PPC, or the ministry the organisation file names);
    ``kind`` ``prelim`` (速報), ``final`` (確報) or ``supplement`` (追完); ``channel`` ``ppc_web`` or
    ``ministry``; ``receipt``: the receipt number as typed, My Numbers masked."""

    law: str
    kind: str
    submitted_on: date
    channel: str
    receipt: str
    by: UserRef
    recorded_at: datetime


@dataclass(frozen=True)
class PrincipalNotice:
    """As outsourcee (委託先), the notice to the principal (委託元) as given (flows.principal_notice):
    the day, ``how`` (``email``, ``letter``, ``phone`` or ``other``), ``to`` whom (free text, My Numbers
    masked; the form offers the fact ``party_name``) and who recorded it."""

    notified_on: date
    how: str
    to: str
    by: UserRef
    recorded_at: datetime


@dataclass(frozen=True)
class NoticeDecision:
    """A recorded decision about the notice to individuals (flows.notice): ``defer`` it while notice
    would widen the harm (``reason``, revisit on ``revisit_on``), or ``substitute`` measures where
    notice is impracticable (``measures``: ``publication`` 公表, ``inquiry_desk`` 問合せ窓口)."""

    kind: str
    reason: str
    by: UserRef
    at: datetime
    revisit_on: date | None = None
    measures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Incident:
    id: str
    platform: str
    reporter: UserRef
    channel: PlaceRef
    created_at: datetime
    facts: Facts
    escalation: Escalation
    items: tuple[Item, ...]
    responders: tuple[UserRef, ...] = ()
    status: Literal["open", "closed"] = "open"
    severity: Severity = "medium"
    closed_at: datetime | None = None
    closed_by: UserRef | None = None
    close_reason: str = ""
    reminders_snoozed_until: datetime | None = None
    drill: bool = False
    lang: str = "ja"
    extra: dict[str, str] = field(default_factory=dict)
    measures: tuple[Measure, ...] = ()  # recurrence-prevention measures, in the order recorded
    submissions: tuple[Submission, ...] = ()  # 速報・確報・追完 as filed, in the order recorded
    notice: NoticeDecision | None = None  # the current decision on the notice to individuals, if any
    principal_notice: PrincipalNotice | None = None  # as outsourcee: the notice to the principal, once given
    # the incident channel refused the bot (flows.channel): since when (None: it works), and who was given
    # the card and the checklist in a DM meanwhile (their copies, tagged ``chan:<n>:…``, follow every update)
    channel_blocked_at: datetime | None = None
    channel_dms: tuple[UserRef, ...] = ()

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def item_for(self, role: str) -> Item | None:
        """The item tagged with ``role`` (see ITEM_ROLES), if the incident's checklist has one."""
        return next((i for i in self.items if role and i.role == role), None)

    def with_item(self, new: Item) -> Incident:
        return replace(self, items=tuple(new if i.id == new.id else i for i in self.items))

    def open_required(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.required and i.state == "open")

    def is_responder(self, user: UserRef) -> bool:
        people = self.escalation.members() + self.responders
        return any(user.same(p) for p in people)


@dataclass(frozen=True)
class IncidentSummary:
    """One line of `/mynaleak list`. ``incident``: the incident as loaded, for what the list computes of
    it (who is paged, the next deadline); storage fills it, and it is never compared or printed."""

    id: str
    status: str
    severity: str
    created_at: datetime
    acked: bool
    open_items: int
    drill: bool = False
    incident: Incident | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class PageMark:
    """One row of the recent-paging log that flood control reads (``flows.coalesce``; table
    ``page_log``). ``kind``: ``report`` (a report filed; ``who`` is the reporter), ``page`` (a page
    sent), ``digest`` (a digest page sent instead of a page), ``fold`` (a page folded into the
    person's digest), ``burst`` (the burst note posted; ``who`` is the channel). ``who`` is
    ``platform:key``; ``tag`` is the message's tag within ``incident_id`` (a fold: its digest's tag);
    ``name``: the reporter's display name (report, fold)."""

    kind: str
    who: str
    at: datetime
    incident_id: str
    tag: str = ""
    name: str = ""
