"""An incident whose checklist carries notes for every section of the report, recorded through the
flows (report → ack → notes, done, not applicable → close)."""

from __future__ import annotations

from bot.core.events import FormSubmitted
from bot.core.model import Incident
from tests.flows.helpers import SATO, SUZUKI, T0, command, minutes, press, report, step

# item id -> the note recorded on it, and the report sections (規則第3条第1項) the default template
# says it feeds
NOTES: dict[str, tuple[str, tuple[int, ...]]] = {
    "1.3": ("共有フォルダのアクセス権を停止した", (1,)),
    "1.2": ("最寄りの警察署に遺失届を提出した（受理番号あり）", (1, 9)),
    "3.1": ("従業員120人分の源泉徴収票（氏名・個人番号）", (2, 3)),
    "2.3": ("鞄を電車の網棚に置き忘れたことが原因", (4,)),
    "3.5": ("現時点で不正利用等の二次被害は確認されていない", (5,)),
    "5.1": ("対象者全員に書面で連絡し謝罪した", (6,)),
    "5.3": ("当社ホームページで公表した", (7,)),
    "4.2": ("個人番号の持出しを禁止し全従業員に研修を実施", (8,)),
    "4.4": ("持出し承認ルールの見直しを予定", (8,)),
}
CLOSE_REASON = "再発防止策の実施を確認した"
FACTS_NOTE = "経理部で発生"


def recorded_incident(close: bool = True, **values: object) -> Incident:
    """The worked example of the leaflet, with the notes of :data:`NOTES` recorded."""
    inc, _ = report(notes=FACTS_NOTE, **values)
    inc, _ = step(inc, press(SATO, "ack", inc.id), T0 + minutes(3))
    for n, (item, (note, _)) in enumerate(NOTES.items()):
        inc, _ = step(inc, FormSubmitted(SUZUKI, "item_note", {"note": note}, f"{inc.id}|{item}"), T0 + minutes(10 + n))
    for n, item in enumerate(("1.2", "4.2", "5.1", "5.3")):
        inc, _ = step(inc, press(SATO, "item:done", f"{inc.id}|{item}"), T0 + minutes(30 + n))
    inc, _ = step(inc, FormSubmitted(SATO, "item_na", {"reason": "研修計画はそもそも未策定"}, f"{inc.id}|4.5"), T0 + minutes(40))
    if close:
        inc, _ = step(inc, command(SATO, f"close {inc.id} {CLOSE_REASON}"), T0 + minutes(90))
        assert inc.status == "closed"
    for item, (note, _) in NOTES.items():
        assert inc.item(item).note == note
    return inc
