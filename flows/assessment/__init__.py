"""Is a report to the PPC required, which article items apply, and by when (LEGAL.md).

The rules are data (:mod:`flows.assessment.rulepack`); :func:`assess` applies the pack in force on
the day the company knew, and :func:`render` turns the result into text (Japanese by default).
"""

from __future__ import annotations

from flows.assessment.engine import (
    COUNT_FACTS,
    TRI_FACTS,
    TRI_VALUES,
    AppiResult,
    Assessment,
    Facts,
    FactsError,
    Reason,
    assess,
)
from flows.assessment.render import render, render_date, render_reason
from flows.assessment.rulepack import RULE_PACKS, RulePack, pack_for

__all__ = [
    "COUNT_FACTS",
    "RULE_PACKS",
    "TRI_FACTS",
    "TRI_VALUES",
    "AppiResult",
    "Assessment",
    "Facts",
    "FactsError",
    "Reason",
    "RulePack",
    "assess",
    "pack_for",
    "render",
    "render_date",
    "render_reason",
]
