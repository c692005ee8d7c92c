"""The draft buttons: the report to the PPC (items 1–9) or the notice to individuals, built from the
record (``flows.draft``) and posted in the incident thread as Markdown and .docx files."""

from __future__ import annotations

import base64

from bot.core.effects import Audit, Effect, Post
from bot.core.events import ButtonPressed
from bot.core.i18n import t
from bot.core.model import Incident
from bot.core.views import Attachment, Card
from flows.common import Ctx, refuse
from flows.docx_export import to_docx_bytes
from flows.draft import build_notice, build_report, to_markdown
from flows.law import assessment_input

KINDS = ("report", "notice")
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def post_draft(inc: Incident, kind: str, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if not inc.is_responder(actor):
        return inc, [refuse(event.actor, "perm.draft", ctx, event.place, id=inc.id)]
    kind = kind if kind in KINDS else "report"
    lang = inc.lang
    draft = (
        build_report(inc, ctx.config, assessment_input(inc, ctx.config), lang) if kind == "report" else build_notice(inc, ctx.config, lang)
    )
    stem = f"{inc.id}-{kind}"
    files = (
        Attachment(f"{stem}.md", "text/markdown", _b64(to_markdown(draft).encode("utf-8"))),
        Attachment(f"{stem}.docx", DOCX, _b64(to_docx_bytes(draft))),
    )
    missing = ", ".join(str(n) for n in draft.missing)
    text = t("draftbtn.posted", lang, name=actor.name or actor.key)
    text += "\n" + (t("draftbtn.missing", lang, items=missing) if missing else t("draftbtn.complete", lang))
    card = Card(title=t(f"draftbtn.title_{kind}", lang, id=inc.id), tone="warning" if missing else "success", text=text,
                footer=t("law.disclaimer", lang), attachments=files)  # fmt: skip
    return inc, [Post(card, thread_of="card"), Audit("draft.created", {"kind": kind, "missing": list(draft.missing)})]
