"""Is a report to the PPC required, which article items apply, and by when (LEGAL.md).

The rules are data (:mod:`flows.assessment.rulepack`); :func:`assess` applies the pack in force on
the day the company knew to an :class:`AssessmentInput` (the facts a law reads, rows of the fact table
:data:`bot.core.facts.FACTS`), and :func:`render` turns the result into text (Japanese by default).
"""

from __future__ import annotations

from flows.assessment.engine import (
    COUNT_FACTS,
    INPUT_FACTS,
    TRI_FACTS,
    AppiResult,
    Assessment,
    AssessmentInput,
    AssessmentInputError,
    Reason,
    assess,
    no_leak_grounds,
)
from flows.assessment.render import render, render_date, render_reason
from flows.assessment.rulepack import RULE_PACKS, RulePack, pack_for, yes_no_facts

__all__ = [
    "COUNT_FACTS",
    "INPUT_FACTS",
    "RULE_PACKS",
    "TRI_FACTS",
    "AppiResult",
    "Assessment",
    "AssessmentInput",
    "AssessmentInputError",
    "Reason",
    "RulePack",
    "assess",
    "no_leak_grounds",
    "pack_for",
    "render",
    "render_date",
    "render_reason",
    "yes_no_facts",
]
