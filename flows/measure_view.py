"""How recorded recurrence-prevention measures show on the prevention step's card (``flows.measures``
records them; ``flows.cards`` shows them). Separate so that the card module need not import the flow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.core.config import OrgConfig
from bot.core.i18n import t
from bot.core.model import Incident, Measure
from bot.core.views import Button

ADD_ACTION = "measure:add"
SECTION = 8  # 規則第3条第1項第8号 再発防止のための措置


def prevention_step(config: OrgConfig) -> int | None:
    """The checklist step whose items feed the report's 再発防止 section (step 4 in the default)."""
    return next((st.step for st in config.checklist if any(SECTION in it.report for it in st.items)), None)


def measure_line(m: Measure, lang: str, day: Callable[[date], str] = date.isoformat) -> str:
    """One measure as a line: its status, its date (as ``day`` writes it) if any, and its text."""
    when = t("measure.on", lang, date=day(m.on)) if m.on else ""
    return t(f"measure.line.{m.status}", lang, text=m.text, when=when)


def measure_block(inc: Incident, step: int, config: OrgConfig) -> tuple[str, tuple[Button, ...]]:
    """The prevention step card's extra text (the measures recorded) and its 'Add a measure' button;
    nothing for any other step."""
    if step != prevention_step(config):
        return "", ()
    lang = inc.lang
    lines = [t("measure.card_title", lang)] + ["・" + measure_line(m, lang) for m in inc.measures] if inc.measures else []
    buttons = (Button(t("measure.button", lang), ADD_ACTION, inc.id),) if inc.status == "open" else ()
    return "\n".join(lines), buttons
