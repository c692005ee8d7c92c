"""Find My Numbers (個人番号) in free text and mask them.

A My Number typed into the bot must never be stored, logged or echoed (DESIGN.md), so every text
field is passed through :func:`scrub` (or :func:`redact` on text already cleaned) at the boundary.
The rules lean toward masking (LEGAL.md: about 10% of random 12-digit strings pass the check digit,
so when in doubt, mask).

Detection works on a *normalised* copy of the text (LEGAL.md, last section), each character of
which remembers where it came from, so that the span masked is always a span of the original:

* control characters (but newline and tab), format characters (Unicode category Cf: zero-width
  space, word joiner, soft hyphen, BOM …), combining marks, the Hangul fillers (blank letters) and
  the mention brackets ``⟦⟧`` are dropped — a number split by them is one number;
* every other character is NFKC-normalised (full-width, mathematical, superscript, circled digits
  become ASCII; thin, narrow and no-break spaces become a space; full-width punctuation becomes
  ASCII); a digit that is not a decimal digit itself (``①``, ``²``) stands apart, between spaces, and
  a character whose form holds a digit among others (``¼``, ``⑫``) is a space;
* every Unicode decimal digit (Arabic-Indic, Devanagari, …) becomes its ASCII digit.

Vocabulary used below (on the normalised text):

* a *digit* is an ASCII ``0-9``;
* a *run* is a maximal sequence of contiguous digits;
* a *gap* is 1-8 characters among whitespace (space, tab, line breaks, braille blank) and the
  separators people, programs and chat markup put in numbers: hyphens and dashes ``-‐‒–—―−ー``,
  ``~``, ``.``, ``,``, ``;``, ``、``, ``/``, ``\\``, ``_``, ``*``, ``|``, ``・``, quotes and backticks,
  brackets ``()[]{}<>「」『』【】〔〕`` (``:`` is not one: times stay whole);
* a *chain* is a maximal sequence of runs joined by gaps.

What is masked (each rule yields a span of the original text, replaced by :data:`MASK`):

1. every run of exactly 12 digits, whether its check digit is valid or not;
2. every run longer than 12 digits (e.g. a 13-digit corporate number) in which any 12-digit
   window is a valid My Number — the whole run is masked;
3. in a chain, every sequence of two or more consecutive runs holding exactly 12 digits whose
   check digit is valid (``1234 5678 9018``, ``123-456-789-018``, ``1 2 3 … 8``, ``(1234)5678-9018``,
   ``1234`` / ``5678`` / ``9018`` on three lines);
4. in a chain, every 4-4-4 layout (three runs of four digits, the same separator between them —
   whitespace, hyphens or dots only —, and not extended by a further run with that same separator
   on either side), even when its check digit is invalid: ``1234-5678-9012`` is masked, a
   card-like ``1234-5678-9012-3456`` is not.

Ordinary numbers are left alone: ``03-1234-5678`` (10 digits), ``090-1234-5678`` (11), dates such
as ``2026-11-26`` or ``2026.11.26`` (8), times, postal codes, amounts.

Everything is done with linear scans (one regular expression for chains, prefix sums for the
check-digit windows, a cached per-character table for the normalisation), so a megabyte of text is
handled in well under a second.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate

__all__ = [
    "MASK",
    "check_digit",
    "clean_text",
    "contains_my_number",
    "find_spans",
    "is_valid_my_number",
    "normalise",
    "redact",
    "scrub",
]

MASK = "************"
"""What replaces each masked number: 12 ASCII asterisks, whatever the original layout."""

_WEIGHTS = (6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
_GAP = r"\s\u2800\-\u2010\u2012\u2013\u2014\u2015\u2212\u30fc~.,;\u3001/\\_*|\u30fb()\[\]{}<>'\"`\u300c-\u300f\u3010\u3011\u3014\u3015"
_CHAIN = re.compile(f"[0-9]+(?:[{_GAP}]{{1,8}}[0-9]+)*")
_RUN = re.compile("[0-9]+")
_SEP_444 = re.compile(r"[\s\-\u2010\u2012\u2013\u2014\u2015\u2212\u30fc.]{1,4}")
_ASCII_12 = re.compile(r"[0-9]{12}")
_CONTROL = {c: None for c in range(32) if chr(c) not in "\n\t"} | {127: None}
# between two digits a control character becomes a space, not nothing: "0000 0000 0000\x1f0" is a
# number and a footnote, not 13 digits
_CONTROL_BETWEEN_DIGITS = re.compile(r"(?<=\d)[\x00-\x08\x0b-\x1f\x7f]+(?=\d)")
_PLAIN_ASCII = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # ASCII that normalisation changes
_DROP_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Mn", "Me"})
_INVISIBLE = "\u27e6\u27e7\u115f\u1160\u3164\uffa0"  # mention brackets; Hangul fillers (blank letters)


def clean_text(text: str) -> str:
    """Text a person typed, without control characters (NUL and friends break storage and chat);
    between two digits one becomes a space, which (unlike nothing) never joins them into a longer number."""
    return _CONTROL_BETWEEN_DIGITS.sub(" ", text).translate(_CONTROL)


class _Table(dict[int, str]):
    """code point -> its normalised form (filled on first sight; bounded by the code points seen)."""

    def __init__(self) -> None:
        super().__init__()
        self.nonunit: set[str] = set()  # characters whose form is not exactly one character

    def __missing__(self, cp: int) -> str:
        c = chr(cp)
        if c in "\n\t":
            out = c
        elif unicodedata.category(c) == "Cc":
            out = " "  # as clean_text does: a control character separates, it does not join
        elif c in _INVISIBLE or unicodedata.category(c) in _DROP_CATEGORIES:
            out = ""
        else:
            out = "".join(
                str(d) if (d := unicodedata.decimal(x, None)) is not None else x
                for x in unicodedata.normalize("NFKC", c)
                if unicodedata.category(x) not in _DROP_CATEGORIES or x in "\n\t"
            )
            if any("0" <= x <= "9" for x in out) and unicodedata.decimal(c, None) is None:
                # ① ² are digits, but of their own: a footnote¹ never joins the number before it;
                # ¼ (1⁄4), ⑫, ⒈ are signs, not digits to join to a neighbour's
                out = f" {out} " if len(out) == 1 else " "
        if len(out) != 1:
            self.nonunit.add(c)
        if len(self) < 200_000:
            self[cp] = out
        return out


_TABLE = _Table()


def normalise(text: str) -> tuple[str, list[int] | None]:
    """``text`` as detection sees it, and for each of its characters the index in ``text`` it came
    from (``None`` when the two line up one to one)."""
    if text.isascii() and not _PLAIN_ASCII.search(text):
        return text, None
    norm = text.translate(_TABLE)
    if _TABLE.nonunit.isdisjoint(text):
        return norm, None
    pos = [i for i, c in enumerate(text) for _ in range(len(_TABLE[ord(c)]))]
    return norm, pos


def check_digit(first_eleven: str) -> int:
    """The check digit of a My Number whose first 11 digits (ASCII) are ``first_eleven``."""
    if len(first_eleven) != 11 or not first_eleven.isascii() or not first_eleven.isdigit():
        raise ValueError("expected 11 ASCII digits")
    r = sum(int(c) * w for c, w in zip(first_eleven, _WEIGHTS, strict=True)) % 11
    return 0 if r <= 1 else 11 - r


def is_valid_my_number(digits: str) -> bool:
    """True if ``digits`` is exactly 12 ASCII digits whose 12th is the right check digit."""
    if not _ASCII_12.fullmatch(digits):
        return False
    return check_digit(digits[:11]) == int(digits[11])


class _Digits:
    """The digits of one chain as integers, with prefix sums for O(1) check-digit tests."""

    def __init__(self, digits: list[int]) -> None:
        self.d = digits
        self.p = [0, *accumulate(digits)]
        self.q = [0, *accumulate(i * x for i, x in enumerate(digits))]

    def _ramp(self, s: int, a: int, b: int, c: int) -> int:
        # sum over i in [a, b] of (c - i) * d[s + i]  ==  sum over j of (c + s - j) * d[j]
        lo, hi = s + a, s + b + 1
        return (c + s) * (self.p[hi] - self.p[lo]) - (self.q[hi] - self.q[lo])

    def valid_at(self, s: int) -> bool:
        """Is the 12-digit window starting at digit index ``s`` a valid My Number?"""
        # weights 6,5,4,3,2 on offsets 0-4 (= 6 - i) and 7,6,5,4,3,2 on offsets 5-10 (= 12 - i)
        r = (self._ramp(s, 0, 4, 6) + self._ramp(s, 5, 10, 12)) % 11
        return self.d[s + 11] == (0 if r <= 1 else 11 - r)


def _chain_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans to mask inside one chain ``text[start:end]``."""
    runs = [(m.start(), m.end()) for m in _RUN.finditer(text, start, end)]
    digits = _Digits([int(c) for c in text[start:end] if "0" <= c <= "9"])
    spans: list[tuple[int, int]] = []
    # digit index at which each run starts
    offsets = list(accumulate((e - s for s, e in runs), initial=0))

    for k, (s, e) in enumerate(runs):  # rules 1 and 2
        length = e - s
        if length == 12:
            spans.append((s, e))
        elif length > 12:
            base = offsets[k]
            if any(digits.valid_at(base + i) for i in range(length - 11)):
                spans.append((s, e))

    # rule 3: runs k..j (j > k) holding exactly 12 digits, check digit valid (two pointers)
    j = 0
    for k in range(len(runs)):
        j = max(j, k)
        while j + 1 <= len(runs) and offsets[j + 1] - offsets[k] < 12:
            j += 1
        if k < j < len(runs) and offsets[j + 1] - offsets[k] == 12 and digits.valid_at(offsets[k]):
            spans.append((runs[k][0], runs[j][1]))

    # rule 4: 4-4-4 layout with one separator (whitespace, hyphens, dots), not extended by it
    seps = [text[runs[i][1] : runs[i + 1][0]] for i in range(len(runs) - 1)]
    for k in range(len(runs) - 2):
        if not all(runs[i][1] - runs[i][0] == 4 for i in (k, k + 1, k + 2)):
            continue
        sep = seps[k]
        if seps[k + 1] != sep or not _SEP_444.fullmatch(sep):
            continue
        if (k > 0 and seps[k - 1] == sep) or (k + 3 < len(runs) and seps[k + 2] == sep):
            continue
        spans.append((runs[k][0], runs[k + 2][1]))
    return spans


def find_spans(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` spans of ``text`` to mask, sorted and merged (never overlapping)."""
    return _merge(_candidates(text))[0]


def _candidates(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` (original indices) found in its normalised form."""
    norm, pos = normalise(text)
    spans: list[tuple[int, int]] = []
    for m in _CHAIN.finditer(norm):
        if m.end() - m.start() >= 12:  # fewer characters cannot hold 12 digits
            spans.extend(_chain_spans(norm, m.start(), m.end()))
    if pos is None:
        return spans
    return [(pos[s], pos[e - 1] + 1) for s, e in spans]


def _merge(spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
    """Merge overlapping spans; also count the numbers (greatest set of disjoint candidates)."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    count, last_end = 0, -1
    for s, e in sorted(spans, key=lambda span: span[1]):
        if s >= last_end:
            count, last_end = count + 1, e
    return merged, count


def redact(text: str) -> tuple[str, int]:
    """``text`` with every My Number candidate replaced by :data:`MASK`, and how many there were."""
    merged, count = _merge(_candidates(text))
    if not merged:
        return text, 0
    parts: list[str] = []
    pos = 0
    for s, e in merged:
        parts.append(text[pos:s])
        parts.append(MASK)
        pos = e
    parts.append(text[pos:])
    return "".join(parts), count


def scrub(text: str) -> tuple[str, int]:
    """Text a person typed, ready to store or show: control characters stripped (:func:`clean_text`),
    then every My Number masked (:func:`redact`); and how many numbers were masked."""
    return redact(clean_text(text))


def contains_my_number(text: str) -> bool:
    """True if :func:`redact` would mask anything in ``text``."""
    return bool(_candidates(text))
