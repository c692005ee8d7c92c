"""The e-mail notifier's contract driver: a real SMTP server (aiosmtpd) on loopback, port 0; what a
person's mailbox received; the acknowledge link a page carries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.support.smtp import SmtpServer, parts

CHANNEL = "email"
PUBLIC = "https://bot.example.jp"
_LINK = re.compile(re.escape(PUBLIC) + r"(/ack/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@dataclass(frozen=True)
class Page:
    subject: str
    text: str  # every part, flattened
    ack_path: str  # where its acknowledge link leads, on the bot


class EmailNotifierDriver:
    channel = CHANNEL

    def __init__(self) -> None:
        self.smtp = SmtpServer()

    async def start(self) -> None:
        await self.smtp.start()

    async def stop(self) -> None:
        await self.smtp.stop()

    def env(self) -> dict[str, str]:
        return {"MYNALEAK_SMTP_URL": self.smtp.url, "MYNALEAK_MAIL_FROM": "mynaleak@example.jp", "MYNALEAK_PUBLIC_URL": PUBLIC}

    def person(self, handle: str) -> dict[str, str]:
        """What the organisation file says of ``handle`` for this channel."""
        return {"email": f"{handle}@example.jp"}

    def pages(self, handle: str) -> list[Page]:
        out = []
        for msg in self.smtp.box.to(f"{handle}@example.jp"):
            text, html = parts(msg)
            found = _LINK.search(text)
            out.append(Page(str(msg["Subject"]), f"{msg['Subject']}\n{text}\n{html}", found.group(1) if found else ""))
        return out

    def unreachable(self, handle: str) -> None:
        """From now on the channel refuses ``handle`` for good."""
        self.smtp.box.refuse.add(f"{handle}@example.jp")

    async def outage(self) -> None:
        await self.smtp.stop()

    async def recover(self) -> None:
        await self.smtp.start()


NOTIFIER = EmailNotifierDriver
