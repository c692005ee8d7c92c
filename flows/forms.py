"""The inputs of the report form and the facts form, made from the fact table (:data:`bot.core.facts.FACTS`),
and reading what was submitted: the pieces both forms share."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from typing import Literal

from bot.core.facts import FACTS, Fact, names
from bot.core.i18n import t
from bot.core.redaction import clean_text, redact, scrub
from bot.core.views import Input, Option, strip_tokens

MAX_PEOPLE = 100_000_000
COUNTS = names(FACTS, "count")  # people, people_max, appi_people, appi_people_max
BOUNDS = (("people", "people_max"), ("appi_people", "appi_people_max"))  # a count and its maximum
INCLUDES_PEOPLE = ("appi_people", "appi_people_max")  # everyone affected includes those with My Numbers
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
_INPUTS: dict[str, Literal["text", "textarea", "number", "datetime", "select", "multiselect"]] = {
    "date": "text",  # typed as YYYY-MM-DD (the hint says so): every platform renders a text input
    "text": "textarea",
    "count": "number",
    "datetime": "datetime",
    "choice": "select",
    "tri": "select",
    "multi": "multiselect",
}


def options(prefix: str, values: tuple[str, ...], lang: str) -> tuple[Option, ...]:
    """Choices whose labels are the catalogue's ``prefix.value``."""
    return tuple(Option(v, t(f"{prefix}.{v}", lang)) for v in values)


def ask(fact: Fact, lang: str, initial: str | tuple[str, ...], hint: bool = False) -> Input:
    """The input that asks ``fact`` (with the report form's ``hint`` under it, when asked for)."""
    choices = options(fact.choice_labels, fact.choices, lang) if fact.choices else ()
    note = t(fact.hint, lang) if hint and fact.hint else ""
    return Input(fact.name, t(fact.label, lang), _INPUTS[fact.kind], fact.required, choices, initial, note)


def first(values: Mapping[str, object], name: str) -> str:
    """One submitted value as text (the first, when a platform sent a list)."""
    got = values.get(name, "")
    if isinstance(got, list | tuple):
        got = got[0] if got else ""
    return str(got)


def counts(values: Mapping[str, object], lang: str) -> tuple[dict[str, str], dict[str, int | None], dict[str, str], int]:
    """``people`` and ``people_max``: (redacted text to show back, numbers, errors, numbers masked).
    Full-width digits, commas and a trailing 人 are accepted; the maximum may not be below the count."""
    clean: dict[str, str] = {}
    found: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    masked = 0
    for name in COUNTS:
        raw = unicodedata.normalize("NFKC", first(values, name)).replace(",", "").replace("人", "").strip()
        raw, n = scrub(raw)  # masked before it is cut: no half number left
        raw = raw[:32]
        masked += n
        clean[name], found[name] = raw, None
        if raw:
            if not raw.isdigit() or int(raw) > MAX_PEOPLE:
                errors[name] = t("form.err_count", lang)
            else:
                found[name] = int(raw)
    for low, high in BOUNDS:
        if found[low] is not None and found[high] is not None and found[high] < found[low] and high not in errors:  # type: ignore[operator]
            errors[high] = t("form.err_max_below", lang)
    people = found["people"]
    for name in INCLUDES_PEOPLE:
        if people is not None and found[name] is not None and found[name] < people and name not in errors:  # type: ignore[operator]
            errors[name] = t("form.err_appi_below", lang, n=people)
    return clean, found, errors, masked


def parse_when(raw: str, tz: tzinfo) -> datetime | None:
    """ISO date-time (naive = the organisation's time zone ``tz``); ``None`` if unreadable."""
    raw = unicodedata.normalize("NFKC", raw).strip()
    try:
        dt = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def parse_day(raw: str) -> date | None:
    """A date typed as YYYY-MM-DD (full-width digits accepted); ``None`` if unreadable."""
    raw = unicodedata.normalize("NFKC", raw).strip().replace("/", "-")
    if not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date(*(int(part) for part in raw.split("-")))
    except ValueError:
        return None


def text_value(values: Mapping[str, object], name: str) -> tuple[str, int]:
    """A free-text answer, cleaned and with My Numbers masked: (text, numbers masked)."""
    text, masked = redact(strip_tokens(clean_text(first(values, name))))
    return text.strip(), masked


def pick(values: Mapping[str, object], name: str, allowed: tuple[str, ...], errors: dict[str, str], lang: str) -> str:
    """A choice: one of ``allowed`` ("unknown" when left empty and allowed); an error otherwise."""
    got = first(values, name) or ("unknown" if "unknown" in allowed else "")
    if got not in allowed:
        errors[name] = t("form.err_choice", lang)
        return ""
    return got


def several(values: Mapping[str, object], fact: Fact, errors: dict[str, str], lang: str) -> tuple[str, ...]:
    """A multi-choice answer: the chosen values in the table's order (an error for any unknown one)."""
    got = values.get(fact.name, ())
    chosen = tuple(got) if isinstance(got, list | tuple) else tuple(x for x in str(got).split(",") if x)
    if any(c not in fact.choices for c in chosen):
        errors[fact.name] = t("form.err_choice", lang)
    return tuple(c for c in fact.choices if c in chosen)
