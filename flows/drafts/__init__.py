"""Drafts from the record, one module per kind: the report to the PPC (:mod:`.report`), the notice to
the individuals (:mod:`.notice`), the public announcement (:mod:`.announcement`) and the notice to the
principal (:mod:`.principal`); :mod:`.common` holds the types, the record view and Markdown.

:func:`build` picks one by kind."""

from __future__ import annotations

from datetime import date

from bot.core.config import OrgConfig
from bot.core.i18n import DEFAULT_LANG
from bot.core.model import Incident
from flows.drafts.announcement import build_announcement
from flows.drafts.common import BULLET, KINDS, REPORT_TYPES, SUB, Draft, DraftKind, Section, to_markdown
from flows.drafts.notice import NOTICE_SECTIONS, build_notice
from flows.drafts.principal import build_principal_notice
from flows.drafts.report import REPORT_SECTIONS, build_report, default_report_type, report_header

__all__ = [
    "BULLET",
    "KINDS",
    "NOTICE_SECTIONS",
    "REPORT_SECTIONS",
    "REPORT_TYPES",
    "SUB",
    "Draft",
    "DraftKind",
    "Section",
    "build",
    "build_announcement",
    "build_notice",
    "build_principal_notice",
    "build_report",
    "default_report_type",
    "report_header",
    "to_markdown",
]


def build(
    incident: Incident, config: OrgConfig, kind: str = "report", lang: str = DEFAULT_LANG, on: date | None = None, report_type: str = "",
    to: str = "individual",
) -> Draft:  # fmt: skip
    """The draft of ``kind`` (report, notice, announcement, principal) dated ``on`` (the letters)."""
    if kind == "notice":
        return build_notice(incident, config, lang, on, to)
    if kind == "announcement":
        return build_announcement(incident, config, lang, on)
    if kind == "principal":
        return build_principal_notice(incident, config, lang, on)
    return build_report(incident, config, None, lang, report_type)
