"""The drafts moved to :mod:`flows.drafts` (one module per kind: report, notice, announcement, notice to
the principal); this name stays for callers that import it."""

from __future__ import annotations

from flows.drafts import (
    BULLET,
    NOTICE_SECTIONS,
    REPORT_SECTIONS,
    SUB,
    Draft,
    Section,
    build,
    build_announcement,
    build_notice,
    build_principal_notice,
    build_report,
    to_markdown,
)

__all__ = [
    "BULLET",
    "NOTICE_SECTIONS",
    "REPORT_SECTIONS",
    "SUB",
    "Draft",
    "Section",
    "build",
    "build_announcement",
    "build_notice",
    "build_principal_notice",
    "build_report",
    "to_markdown",
]
