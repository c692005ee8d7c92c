"""An away period set by ``/mynaleak away`` is stored (table ``away``): a page fired by a new runtime
on the same database — a restart, or another replica — goes to the deputy. SQLite and PostgreSQL."""

from __future__ import annotations

from bot.core.views import Card, plain
from tests.conftest import Clock
from tests.flows.helpers import config
from tests.support.harness import Harness


def texts(ops: list) -> str:
    return plain(
        "\n".join(op.view.text + "".join(f.value for f in op.view.fields) for op in ops if isinstance(op.view, Card))
    )  # people by name


async def test_away_by_command_survives_a_restart(db_url: str, clock: Clock) -> None:
    first = Harness(db_url, config(), clock)
    try:
        out = await first.report()
        assert first.adapter.ops("notify", "user:sato")  # step 1 paged as usual
        # during the incident, a responder marks step 2's suzuki away with takahashi as deputy
        await first.command("tanaka", "away suzuki 2026-11-26 2026-11-27 takahashi")
        assert "代理の 高橋 さん" in texts(first.adapter.ops("reply", "user:tanaka"))
        await first.command("yamada", "away suzuki 2026-11-26 2026-11-27")  # not in the file: refused, nothing stored
        assert "組織ファイルに登録されている人だけ" in texts(first.adapter.ops("reply", "user:yamada"))
    finally:
        await first.close()

    second = Harness(db_url, config(), clock)  # a new process on the same database
    try:
        clock.advance(minutes=5, seconds=1)
        assert await second.tick() == 1  # step 2's timer
        assert not second.adapter.ops("notify", "user:suzuki")
        (page,) = second.adapter.ops("notify", "user:takahashi")
        assert out.incident_id and out.incident_id in page.view.title + page.view.text + str(page.view.fields)
        thread = texts(second.adapter.ops("post"))
        assert "鈴木 さんは不在のため、代理の 高橋 さんに連絡します" in thread
        await second.command("tanaka", f"status {out.incident_id}")  # the card as stored after the restart
        assert "鈴木 さん（不在・代理 高橋 さん）" in texts(second.adapter.ops("reply", "user:tanaka"))
        await second.command("sato", "away")
        listed = second.adapter.ops("reply", "user:sato")[-1].view
        assert any("鈴木" in f.label and "高橋" in f.value for f in listed.fields)
        # ended by command: the next page goes to the person again
        await second.command("suzuki", "away off")
        assert "解除しました" in texts(second.adapter.ops("reply", "user:suzuki"))
    finally:
        await second.close()
