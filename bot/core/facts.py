"""The incident's facts: ONE table of every fact (:data:`FACTS`) and the one yes/no/unknown type.

Each row says what a fact is called, its type, the catalogue key of its label (``facts.<name>``),
its choices and default, which forms ask it and which law reads it. What derives from it:

* the record, :class:`bot.core.model.Facts` (a test checks the names, order and defaults agree);
* the report form (``flows.intake``) and the facts form responders edit afterwards
  (``flows.facts_form``): their inputs, in table order, and how a submission is read;
* the assessment's input (``flows.assessment``: the facts a law reads, ``law`` not "none"), the
  mapping from an incident to it (``flows.law``), the names and values ``mynaleak assess`` accepts
  (``bot.commands.assess``) and the input table in docs/assess.md (a test renders and compares it).

Pure data: this module imports nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Tri = Literal["yes", "no", "unknown"]
TRI: tuple[str, ...] = ("unknown", "yes", "no")  # in the order forms offer them
assert set(TRI) == set(get_args(Tri))

Kind = Literal["tri", "count", "date", "datetime", "choice", "multi", "text"]
"""tri: one of :data:`TRI`; count: an integer >= 0 or unknown (None); date (ISO, or None) / datetime;
choice: one of ``choices``; multi: several of ``choices``; text: free text (redacted before it is stored)."""

Law = Literal["mynumber", "appi", "both", "none"]
"""Which law's assessment reads the fact: the My Number Act (規則第2条), the APPI (施行規則第7条), both, none."""

REPORT_FORM = "report"  # the form an employee fills in to report (flows.intake)
FACTS_FORM = "facts"  # the form responders edit after the report (flows.facts_form)

MEDIA: tuple[str, ...] = ("paper", "removable", "pc", "email", "server", "other")
DATA_ITEMS: tuple[str, ...] = ("mynumber", "name", "address", "birthdate", "bank", "phone", "other")
WHOSE: tuple[str, ...] = ("employees", "customers", "both", "unknown")
CAUSES: tuple[str, ...] = ("lost", "misdirected", "unauthorised_access", "insider", "other", "unknown")
ROLES: tuple[str, ...] = ("self", "principal", "outsourcee")  # 委託: which side the company is on
# 発生事案 (規則第3条第1項第1号; 別添２ 3A): 漏えい, 滅失, 毀損 — several may apply (ransomware: data encrypted
# in place, 毀損, and taken, 漏えい), so it is a multi-choice, as on the PPC's report form
EVENT_KINDS: tuple[str, ...] = ("leak", "loss", "damage")


@dataclass(frozen=True)
class Fact:
    """One fact of an incident."""

    name: str
    kind: Kind
    default: str | int | tuple[str, ...] | None  # its value in the record before anybody says
    forms: tuple[str, ...] = ()  # the forms that ask it (REPORT_FORM, FACTS_FORM)
    required: bool = False  # a form may not be submitted without it
    choices: tuple[str, ...] = ()  # choice, multi, tri: the allowed values, in the order offered
    choice_labels: str = ""  # catalogue prefix of the choices' labels: ``<choice_labels>.<value>``
    initial: str | tuple[str, ...] = ""  # what the (empty) report form shows
    hint: str = ""  # catalogue key of the hint under the report form's input
    law: Law = "none"
    recorded: bool = True  # a field of the record; False: worked out from the record when assessing
    by_bot: bool = False  # recorded by the bot itself (never asked on a form)
    doc: str = ""  # what docs/assess.md says the fact means (Markdown; for facts a law reads)

    @property
    def label(self) -> str:
        """The catalogue key of the fact's label."""
        return f"facts.{self.name}"


_BOTH_FORMS = (REPORT_FORM, FACTS_FORM)


def _tri(name: str, forms: tuple[str, ...], law: Law, doc: str = "", default: str = "unknown") -> Fact:
    return Fact(name, "tri", default, forms, True, TRI, "tri", default, law=law, doc=doc)


FACTS: tuple[Fact, ...] = (
    Fact("summary", "text", "", (REPORT_FORM,), True, hint="form.summary_hint"),
    # the report form pre-fills "now"; responders correct it on the facts form (another department
    # often turns out to have known earlier: 別添２ 3D「いずれかの部署が当該事態を知った時点」)
    Fact("discovered_at", "datetime", None, _BOTH_FORMS, True, hint="form.discovered_hint"),
    Fact(
        "known_on",
        "date",
        None,
        law="both",
        recorded=False,
        doc="the day any department of the company (いずれかの部署) first knew of the incident: day 1 "
        "(the bot uses the day of `discovered_at`, which responders can correct on the facts form)",
    ),  # fmt: skip
    Fact("occurred_at", "datetime", None, _BOTH_FORMS),  # correctable with the day of knowledge
    # who discovered it and how (発見者, 規則第3条第1項第1号) — for the report, not the chat's reporter
    Fact("discovered_by", "text", "", (FACTS_FORM,), hint="form.discovered_by_hint"),
    Fact("medium", "choice", "other", (REPORT_FORM,), True, MEDIA, "medium"),
    # what happened, in a word: with the medium it picks the checklist template (flows.templates)
    Fact("cause", "choice", "unknown", (REPORT_FORM,), True, CAUSES, "cause", "unknown"),
    Fact(
        "people",
        "count",
        None,
        _BOTH_FORMS,
        hint="form.people_hint",
        law="both",
        doc="number of individuals whose My Number data (特定個人情報) is affected, dependents (扶養親族) included, if known",
    ),  # fmt: skip
    Fact("people_max", "count", None, _BOTH_FORMS, law="both", doc="the most such individuals (not less than `people`)"),
    Fact(
        "appi_people",
        "count",
        None,
        (FACTS_FORM,),
        law="appi",
        doc="number of individuals whose personal data (個人データ) of any kind is affected, those with My Numbers "
        "included (施行規則第7条第4号); `null` with `appi_people_max` also `null`: the same as `people`",
    ),  # fmt: skip
    Fact("appi_people_max", "count", None, (FACTS_FORM,), law="appi", doc="the most such individuals (not less than `appi_people`)"),
    Fact("data_items", "multi", (), (REPORT_FORM,), True, DATA_ITEMS, "data", ("mynumber",)),
    Fact("whose", "choice", "unknown", (REPORT_FORM,), True, WHOSE, "whose", "unknown"),
    _tri("encrypted", _BOTH_FORMS, "both", "strong encryption or equivalent protection (高度な暗号化等)"),
    _tri("exposed_online", _BOTH_FORMS, "mynumber", "viewable, or possibly viewable, electronically by 不特定多数 (第3号)"),
    _tri(
        "wrongful_purpose",
        _BOTH_FORMS,
        "both",
        "may have been done wrongfully: unauthorised access, ransomware, theft, an insider (第2号; APPI 第3号)",
    ),  # fmt: skip
    _tri("sensitive_data", _BOTH_FORMS, "appi", "includes 要配慮個人情報 (APPI 施行規則第7条第1号)"),
    _tri("financial_harm", _BOTH_FORMS, "appi", "data whose misuse may cause financial harm (APPI 第2号)"),
    _tri("outsourcee", _BOTH_FORMS, "none"),
    Fact("notes", "text", "", (REPORT_FORM,)),
    _tri(
        "key_safe",
        (FACTS_FORM,),
        "both",
        "the means to decrypt (key, password) was kept apart and stayed safe (PPC Q&A 17-14); the encryption exclusion needs it",
    ),  # fmt: skip
    _tri(
        "leaked",
        (FACTS_FORM,),
        "both",
        'a leak, loss or damage (漏えい等) happened or may have (a report says so: "yes" unless a responder answers otherwise); '
        '"no" when only use or provision in breach of the Act is at issue — with none of that either, there is no '
        "漏えい等事案 at all",
        default="yes",
    ),  # fmt: skip
    # which of 漏えい / 滅失 / 毀損 happened (or may have): the report's 発生事案; none chosen: the draft
    # says 漏えい (or its おそれ) from `leaked`, as a report of a lost medium usually is
    Fact("event_kind", "multi", (), (FACTS_FORM,), choices=EVENT_KINDS, choice_labels="event_kind", hint="form.event_kind_hint"),
    _tri(
        "government_system", (FACTS_FORM,), "mynumber", "data in the information-provision network or a government system (規則第2条第1号)"
    ),
    _tri("misuse_art9", (FACTS_FORM,), "mynumber", "used in breach of 番号法第9条 (a ground of 第4号ロ)"),
    _tri("provision_art19", (FACTS_FORM,), "mynumber", "provided in breach of 番号法第19条 (a ground of 第4号ハ)"),
    Fact(
        "role",
        "choice",
        "self",
        (FACTS_FORM,),
        True,
        ROLES,
        "role",
        "self",
        law="both",
        doc='`"self"` (our own data), `"principal"` (委託元: an outsourcee handled it for us) or `"outsourcee"` '
        "(委託先: we handled it for a principal; 規則第4条, 別添２ 3F)",
    ),  # fmt: skip
    Fact(
        "principal_notified_on",
        "date",
        None,
        (FACTS_FORM,),
        hint="form.date_hint",
        law="both",
        doc='role `"principal"`: the day the outsourcee\'s notice reached us; day 1 is the earlier of it and `known_on` '
        "(別添２ 3F: the principal knows no later than then)",
    ),  # fmt: skip
    Fact("party_name", "text", "", (FACTS_FORM,), hint="form.party_hint"),  # the other party of the outsourcing
    Fact(
        "over_100_on",
        "date",
        None,
        law="mynumber",
        by_bot=True,
        doc="the day a facts update first raised the count past 100; with item 4 the only item, its clock starts "
        "that day (別添２ 3A(4)「100人を超えた時点で…該当」). Recorded by the bot",
    ),  # fmt: skip
)
"""Every fact, in the order the forms ask them (and the record lists them)."""

BY_NAME: dict[str, Fact] = {f.name: f for f in FACTS}
assert len(BY_NAME) == len(FACTS)

RECORDED: tuple[Fact, ...] = tuple(f for f in FACTS if f.recorded)
"""The fields of :class:`bot.core.model.Facts`, in order."""

ASSESSED: tuple[Fact, ...] = tuple(f for f in FACTS if f.law != "none")
"""The facts a law reads: the assessment's input."""


def fact(name: str) -> Fact:
    """The row of ``name`` (KeyError for a fact that is not in the table)."""
    return BY_NAME[name]


def in_form(form: str) -> tuple[Fact, ...]:
    """The facts ``form`` asks, in the order it asks them."""
    return tuple(f for f in FACTS if form in f.forms)


def names(facts: tuple[Fact, ...], kind: Kind | None = None) -> tuple[str, ...]:
    """The names of ``facts`` (of one ``kind`` only, when given)."""
    return tuple(f.name for f in facts if kind is None or f.kind == kind)
