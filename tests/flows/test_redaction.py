"""My Number detection and masking (bot.core.redaction). Rules: LEGAL.md "My Number check digit"."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from bot.core.redaction import (
    MASK,
    check_digit,
    contains_my_number,
    find_spans,
    is_valid_my_number,
    redact,
)

FW = str.maketrans("0123456789", "０１２３４５６７８９")


# --- check digit (LEGAL.md: weights 6,5,4,3,2,7,6,5,4,3,2; r = sum mod 11; 0 if r <= 1) -------


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("123456789018", True),  # LEGAL.md worked example: 12345678901 -> 8
        ("123456789017", False),  # same, wrong check digit
        ("000000000000", True),  # r = 0 -> check 0
        ("000000000060", True),  # 6*2 = 12, r = 1 -> check 0
        ("000000000061", False),  # r = 1 must give 0, not 11 - 1 = 10 -> 1
        ("000000000019", True),  # 1*2 = 2, r = 2 -> 11 - 2 = 9
        ("100000000005", True),  # 1*6 = 6, r = 6 -> 5
        ("000001000004", True),  # 1*7 = 7, r = 7 -> 4
        ("12345678901", False),  # 11 digits
        ("1234567890188", False),  # 13 digits
        ("１２３４５６７８９０１８", False),  # full width is not the canonical form
        ("1234-5678-9018", False),  # separators are not digits
        ("12345678901a", False),
        ("", False),
    ],
)
def test_is_valid_my_number(digits: str, valid: bool) -> None:
    assert is_valid_my_number(digits) is valid


def test_check_digit_rejects_bad_input() -> None:
    assert check_digit("12345678901") == 8
    with pytest.raises(ValueError):
        check_digit("1234567890")


# --- what is masked -------------------------------------------------------------------------

M = MASK


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        # rule 1: a 12-digit run, valid or not
        ("123456789018", M, 1),
        ("番号は123456789018です", f"番号は{M}です", 1),
        (
            "番号は123456789012です",
            f"番号は{M}です",
            1,
        ),  # invalid check digit, still masked
        ("１２３４５６７８９０１８", M, 1),  # full width
        ("1２3４5６7８9０1８", M, 1),  # mixed widths
        ("No123456789018", f"No{M}", 1),  # letters around do not protect it
        # rule 2: longer runs masked when a 12-digit window is valid
        ("1234567890183", M, 1),  # 13 digits, window 123456789018 is valid
        ("9123456789018", M, 1),  # valid window at the end
        ("1234567890120", "1234567890120", 0),  # 13 digits, no valid window
        # rule 3: separated, valid
        ("1234-5678-9018", M, 1),
        ("1234 5678 9018", M, 1),
        ("1234　5678　9018", M, 1),  # full-width space
        ("１２３４－５６７８－９０１８", M, 1),  # full-width digits and hyphen
        ("1234ー5678ー9018", M, 1),  # katakana long mark used as a dash
        ("1234−5678‐9018", M, 1),  # minus sign and hyphen
        ("1234.5678.9018", M, 1),
        ("1234 - 5678 - 9018", M, 1),
        ("123-456-789-018", M, 1),
        ("1 2 3 4 5 6 7 8 9 0 1 8", M, 1),
        ("12345 6789018", M, 1),
        ("1234-5678 9018", M, 1),  # mixed separators
        ("9 1234-5678 9018", f"9 {M}", 1),  # a stray digit before it
        ("山田 1234 5678 9018 2026-11-26", f"山田 {M} 2026-11-26", 1),
        # rule 4: the 4-4-4 layout, even with an invalid check digit
        ("1234-5678-9012", M, 1),
        ("１２３４　５６７８　９０１２", M, 1),
        ("山田 1234-5678-9012 1990-04-01", f"山田 {M} 1990-04-01", 1),
        # lean toward masking: 5678 9012 1985 happens to be valid across the space, so the
        # date's year goes too (documented false positive of rule 3)
        ("山田 1234-5678-9012 1985-04-01", f"山田 {M}-04-01", 1),
        # several numbers
        ("a 123456789018 b 1234-5678-9018", f"a {M} b {M}", 2),
        ("123456789018,123456789018", f"{M},{M}", 2),
        ("123456789018 123456789018", f"{M} {M}", 2),
    ],
)
def test_redact_masks(text: str, expected: str, count: int) -> None:
    assert redact(text) == (expected, count)
    assert contains_my_number(text) is (count > 0)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "こんにちは、漏えいの件です。",
        "03-1234-5678",  # landline
        "090-1234-5678",  # mobile
        "TEL 03-1234-5678 FAX 03-1234-5679",
        "03-1234-5678 2026-11-26",  # phone then date, only a space between
        "2026-11-26",
        "2026.11.26",
        "２０２６年１１月２６日",
        "〒100-0013 東京都千代田区霞が関3-2-1",
        "金額 1,234,567,890円",
        "12345678901",  # 11 digits
        "12345 6789012",  # 12 digits, split 5-7, invalid: not the 4-4-4 layout
        "1234-5678-9012-3456",  # card-like 4-4-4-4: the 4-4-4 rule does not apply
        "1234567890120",  # 13 digits without a valid window
        "1234-5678-901",  # 4-4-3
        "123456789018"[:11] + "x8",
    ],
)
def test_redact_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == (text, 0)
    assert not contains_my_number(text)
    assert find_spans(text) == []


def test_find_spans_are_sorted_and_disjoint() -> None:
    text = "x 1234-5678-9018 y 123456789018 z"
    spans = find_spans(text)
    assert [text[s:e] for s, e in spans] == ["1234-5678-9018", "123456789018"]


# --- properties -----------------------------------------------------------------------------

SEPARATORS = [" ", "\u3000", "-", "‐", "－", "ー", "−", ".", " - "]


@st.composite
def formatted_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A valid My Number in any allowed layout: (its 12 ASCII digits, how it is written)."""
    body = f"{draw(st.integers(0, 10**11 - 1)):011d}"
    digits = body + str(check_digit(body))
    layout = draw(st.sampled_from(["plain", "4-4-4", "any"]))
    if layout == "plain":
        cuts: list[int] = []
    elif layout == "4-4-4":
        cuts = [4, 8]
    else:
        cuts = sorted(draw(st.sets(st.integers(1, 11))))
    sep_444 = draw(st.sampled_from(SEPARATORS))
    out, prev = [], 0
    for cut in [*cuts, 12]:
        chunk = digits[prev:cut]
        if draw(st.booleans()):
            chunk = chunk.translate(FW)
        out.append(chunk)
        if cut != 12:
            out.append(sep_444 if layout == "4-4-4" else draw(st.sampled_from(SEPARATORS)))
        prev = cut
    return digits, "".join(out)


def _is_digit(c: str) -> bool:
    return c in "0123456789０１２３４５６７８９"


GLUE = st.sampled_from(["", " ", "\n", "：", "は", "(", ")", "-", "、", "No.", "番号 "])


@settings(max_examples=400, deadline=None)
@given(formatted_numbers(), st.text(), st.text(), GLUE, GLUE)
@example(("000000000000", "0000 0000 0000"), "", "¼", "", "")  # ¼ is 1⁄4 in NFKC: its 1 must not join the number
@example(("000000000000", "0000 0000 0000"), "", "¹", "", "")  # nor a footnote mark's
@example(("000000000000", "0000 0000 0000"), "", "\x1f0", "", "")  # a control character separates (found by make fuzz)
@example(("000000000000", "0000 0000 0000"), "0\x1f", "", "", "")  # on either side
def test_valid_number_never_survives(number: tuple[str, str], prefix: str, suffix: str, glue_before: str, glue_after: str) -> None:
    digits, written = number
    assert is_valid_my_number(digits)
    before = prefix + glue_before
    if before and _is_digit(before[-1]):
        before += " "  # a standalone number: not glued to a digit
    after = glue_after + suffix
    if after and _is_digit(after[0]):
        after = " " + after
    text = before + written + after
    start, end = len(before), len(before) + len(written)

    spans = find_spans(text)
    covered = all(any(s <= i < e for s, e in spans) for i in range(start, end))
    assert covered, (text, spans)
    out, n = redact(text)
    assert n >= 1
    assert MASK in out
    assume(written not in prefix and written not in suffix)
    assert written not in out


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_redact_total_on_any_text(text: str) -> None:
    out, n = redact(text)
    assert isinstance(out, str) and n >= 0
    assert (n == 0) == (out == text)
    assert out.count(MASK) >= min(n, 1)
    assert sum(map(_is_digit, out)) <= sum(map(_is_digit, text))
    assert contains_my_number(text) is (n > 0)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789０ 　-ー.x", max_size=80))
def test_redact_total_on_digit_soup(text: str) -> None:
    out, n = redact(text)
    assert (n == 0) == (out == text)
    # masking works on whole runs, so no run of exactly 12 digits ever survives
    assert all(len(run) != 12 for run in re.findall("[0-9０-９]+", out))


# --- speed ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        (
            ("電話 03-1234-5678、日付 2026-11-26、金額 1,234,567円。" * 30000)[:1_000_000],
            1.5,
        ),
        (("番号 123456789018 と 1234-5678-9018。" * 30000)[:1_000_000], 1.5),
        ("1" * 1_000_000, 4.0),  # one huge run with no valid window
        ("1 " * 500_000, 4.0),  # one huge chain
    ],
    ids=["prose", "many-numbers", "one-run", "one-chain"],
)
def test_redact_is_fast_on_a_megabyte(text: str, limit: float) -> None:
    t0 = time.perf_counter()
    out, _ = redact(text)
    assert time.perf_counter() - t0 < limit
    assert len(out) <= len(text)
