"""The draft buttons: the report to the PPC (速報 / 確報 / 追完), the notice to individuals, the public
announcement and the notice to the principal, built from the record (``flows.drafts``) and posted in
the incident thread as Markdown and .docx files. The button's value is ``ID|kind`` or
``ID|report:final`` (the report type; default :func:`flows.drafts.default_report_type`)."""

from __future__ import annotations

import base64

from bot.core.effects import Audit, Effect, Post
from bot.core.events import ButtonPressed
from bot.core.i18n import t
from bot.core.model import Incident
from bot.core.views import Attachment, Button, Card, person
from flows.common import Ctx, refuse
from flows.docx_export import to_docx_bytes
from flows.drafts import KINDS, REPORT_TYPES, build, to_markdown

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def draft_buttons(inc: Incident) -> tuple[Button, ...]:
    """The card's draft buttons; the notice to the principal only when we are the outsourcee."""
    lang = inc.lang
    kinds = ["report", "notice", "announcement"] + (["principal"] if getattr(inc.facts, "role", "self") == "outsourcee" else [])
    return tuple(Button(t(f"button.draft_{kind}", lang), "draft", f"{inc.id}|{kind}") for kind in kinds)


def post_draft(inc: Incident, what: str, event: ButtonPressed, ctx: Ctx) -> tuple[Incident, list[Effect]]:
    actor = ctx.config.display(event.actor)
    if not inc.is_responder(actor):
        return inc, [refuse(event.actor, "perm.draft", ctx, event.place, id=inc.id)]
    kind, _, report_type = what.partition(":")
    kind = kind if kind in KINDS else "report"
    report_type = report_type if report_type in REPORT_TYPES else ""
    lang = inc.lang
    draft = build(inc, ctx.config, kind, lang, ctx.now.astimezone(ctx.config.tz).date(), report_type)
    files = (
        Attachment(f"{draft.stem}.md", "text/markdown", _b64(to_markdown(draft).encode("utf-8"))),
        Attachment(f"{draft.stem}.docx", DOCX, _b64(to_docx_bytes(draft))),
    )
    missing = ", ".join(str(n) for n in draft.missing)
    text = t("draftbtn.posted", lang, name=person(actor))
    text += "\n" + (t("draftbtn.missing", lang, items=missing) if missing else t("draftbtn.complete", lang))
    title = t(f"draftbtn.title_{kind}", lang, id=inc.id)
    if draft.report_type:
        title += t("drafts.title_type", lang, type=t(f"drafts.type.{draft.report_type}", lang))
    card = Card(title=title, tone="warning" if missing else "success", text=text, footer=t("law.disclaimer", lang), attachments=files)
    detail: dict[str, object] = {"kind": kind, "missing": list(draft.missing)}
    if draft.report_type:
        detail["type"] = draft.report_type
    return inc, [Post(card, thread_of="card"), Audit("draft.created", detail)]
