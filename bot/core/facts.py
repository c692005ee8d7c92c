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
"""tri: one of :data:`TRI`; count: an integer >= 0 or unknown (None); date / datetime; choice: one of
``choices``; multi: several of ``choices``; text: free text (redacted before it is stored)."""

Law = Literal["mynumber", "appi", "both", "none"]
"""Which law's assessment reads the fact: the My Number Act (規則第2条), the APPI (施行規則第7条), both, none."""

REPORT_FORM = "report"  # the form an employee fills in to report (flows.intake)
FACTS_FORM = "facts"  # the form responders edit after the report (flows.facts_form)

MEDIA: tuple[str, ...] = ("paper", "removable", "pc", "email", "server", "other")
DATA_ITEMS: tuple[str, ...] = ("mynumber", "name", "address", "birthdate", "bank", "phone", "other")
WHOSE: tuple[str, ...] = ("employees", "customers", "both", "unknown")


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
    Fact("discovered_at", "datetime", None, (REPORT_FORM,), True),  # the report form pre-fills "now"
    Fact(
        "known_on",
        "date",
        None,
        law="both",
        recorded=False,
        doc="the day any department of the company knew of the incident (day 1; the bot uses the day of `discovered_at`)",
    ),  # fmt: skip
    Fact("occurred_at", "datetime", None, (REPORT_FORM,)),
    Fact("medium", "choice", "other", (REPORT_FORM,), True, MEDIA, "medium"),
    Fact("people", "count", None, _BOTH_FORMS, hint="form.people_hint", law="both", doc="number of people affected, if known"),
    Fact("people_max", "count", None, _BOTH_FORMS, law="both", doc="the most people who may be affected (not less than `people`)"),
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
        '"no" when only use or provision in breach of the Act is at issue',
        default="yes",
    ),  # fmt: skip
    _tri(
        "government_system", (FACTS_FORM,), "mynumber", "data in the information-provision network or a government system (規則第2条第1号)"
    ),
    _tri("misuse_art9", (FACTS_FORM,), "mynumber", "used in breach of 番号法第9条 (a ground of 第4号ロ)"),
    _tri("provision_art19", (FACTS_FORM,), "mynumber", "provided in breach of 番号法第19条 (a ground of 第4号ハ)"),
    _tri("sensitive_data", (FACTS_FORM,), "appi", "includes 要配慮個人情報 (APPI 施行規則第7条第1号)"),
    _tri("financial_harm", (FACTS_FORM,), "appi", "data whose misuse may cause financial harm (APPI 第2号)"),
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
