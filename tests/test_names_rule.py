"""Issue 14, names: where mentions do not belong — e-mail, a paging service, anyone reached only by an
address — a person is written by name: never a mention token, never their address or key."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.model import UserRef
from bot.core.views import Card, Field, mention
from bot.mail import MailNotifier, MailSettings
from flows.common import Ctx
from tests.flows.helpers import T0, config, report

SATO = UserRef("slack", "U0SATO", "佐藤 花子")
BY_MAIL = UserRef("email", "suzuki@example.jp", "鈴木 一郎")


def _mail(view: Card) -> str:
    settings = MailSettings("127.0.0.1", 25, False, "bot@example.jp", "https://bot.example.jp")
    notifier = MailNotifier(settings, b"k" * 32, lambda: datetime(2026, 11, 26, tzinfo=UTC), "ja", ZoneInfo("Asia/Tokyo"))
    msg = notifier.message(UserRef("email", "tanaka@example.jp"), view)
    return "\n".join(str(part.get_content()) for part in msg.iter_parts()) + str(msg["Subject"])


def test_an_e_mail_names_people_by_name_not_by_a_mention_token() -> None:
    view = Card(
        title=f"{mention(SATO)} さん",
        text=f"{mention(SATO)} さんが確認しました",
        fields=(Field("担当", mention(SATO)),),
        footer=mention(SATO),
    )
    body = _mail(view)
    assert "⟦" not in body and "U0SATO" not in body and body.count("佐藤 花子") >= 4


def test_a_person_reached_only_by_e_mail_is_named_never_by_their_address() -> None:
    from bot.core.views import person  # the one rule (bot/core/views.py)

    assert person(BY_MAIL) == "鈴木 一郎" and "@" not in person(UserRef("email", "x@example.jp"))
    assert person(SATO) == mention(SATO)  # a chat user: a mention, whatever the platform makes of it


def test_a_delivery_failure_to_an_e_mail_address_names_the_person_in_the_thread() -> None:
    from bot.core.events import DeliveryFailed
    from flows.escalation import on_failed  # the thread note when a page cannot be delivered

    inc, _ = report()
    failed = DeliveryFailed(inc.id, "page:1:0:0:0:email", BY_MAIL, "smtp: recipient refused (550)", final=False)
    _, eff = on_failed(inc, failed, Ctx(T0, config(), "ja"))
    (note,) = [e for e in eff if type(e).__name__ == "Post"]
    assert "鈴木 一郎 さん" in note.view.text and "example.jp" not in note.view.text
