"""The incident's facts: the one yes/no/unknown type (and, with the fact table, every fact's name,
type, label and form input, and which law reads it)."""

from __future__ import annotations

from typing import Literal, get_args

Tri = Literal["yes", "no", "unknown"]
TRI: tuple[str, ...] = ("unknown", "yes", "no")  # in the order forms offer them
assert set(TRI) == set(get_args(Tri))
