"""Stored conversation references (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from storage.conversations import StoredReferences
from storage.store import Store


async def test_save_load_upsert(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    assert await StoredReferences(store).load("teams", "aad-sato") is None
    await StoredReferences(store).save("teams", "aad-sato", {"kind": "member", "reference": {"serviceUrl": "https://a/"}}, clock())
    await StoredReferences(store).save("teams", "aad-sato", {"kind": "personal", "reference": {"serviceUrl": "https://b/", "conversation": {"id": "a:1"}}},
                   clock() + timedelta(minutes=1))  # fmt: skip
    got = await StoredReferences(store).load("teams", "aad-sato")
    assert got == {"kind": "personal", "reference": {"serviceUrl": "https://b/", "conversation": {"id": "a:1"}}}
    assert await StoredReferences(store).load("slack", "aad-sato") is None  # keys are per platform
    await StoredReferences(store).save("teams", "19:x@thread.tacv2", {"kind": "channel"}, clock())
    assert (await StoredReferences(store).load("teams", "19:x@thread.tacv2")) == {"kind": "channel"}
