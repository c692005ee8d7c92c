"""Who can be played: the people of the organisation file with a playground id, plus a reporter and
an outsider who are not in the file. A persona's id is its playground user key."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.core.config import OrgConfig
from bot.core.i18n import t
from bot.core.model import UserRef

log = logging.getLogger("mynaleak.playground")
PLATFORM = "playground"
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
REPORTER_IDS = ("yamada", "reporter", "reporter-1")
OUTSIDER_IDS = ("outsider", "outsider-1", "guest")


@dataclass(frozen=True)
class Persona:
    id: str
    name: str
    role: str  # reporter | chain | responder | member | outsider
    step: int = 0  # for role "chain": the first escalation step they are in (1-based)

    def user(self) -> UserRef:
        return UserRef(PLATFORM, self.id, self.name)

    def role_label(self, lang: str) -> str:
        return t(f"playground.role_{self.role}", lang, step=self.step)


def personas(config: OrgConfig, lang: str = "ja") -> tuple[Persona, ...]:
    """Reporter first, then the chain in order, the responders, other people, the outsider."""
    found: list[Persona] = []
    taken: set[str] = set()
    steps = {h: n + 1 for n, (handles, _) in reversed(list(enumerate(config.escalation))) for h in handles}
    order = sorted(config.people.values(), key=lambda p: (steps.get(p.handle, 99), p.handle not in config.responders, p.handle))
    for person in order:
        pid = person.ids.get(PLATFORM)
        if not pid:
            continue
        if not ID_RE.match(pid) or pid in taken:
            log.warning("playground: person skipped (id not usable in the playground)", extra={"handle": person.handle})
            continue
        taken.add(pid)
        if person.handle in steps:
            found.append(Persona(pid, person.name, "chain", steps[person.handle]))
        else:
            found.append(Persona(pid, person.name, "responder" if person.handle in config.responders else "member"))
    reporter = next(i for i in REPORTER_IDS if i not in taken)
    outsider = next(i for i in OUTSIDER_IDS if i not in taken and i != reporter)
    return (
        Persona(reporter, t("playground.reporter_name", lang), "reporter"),
        *found,
        Persona(outsider, t("playground.outsider_name", lang), "outsider"),
    )


def channel_key(config: OrgConfig) -> str:
    """The incident channel's key in the playground (the config's, else ``incidents``)."""
    return config.channels.get(PLATFORM) or "incidents"
