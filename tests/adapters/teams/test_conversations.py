"""Stored conversation references (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from storage.conversations import load_ref, save_ref
from storage.store import Store


async def test_save_load_upsert(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    assert await load_ref(store, "aad-sato") is None
    await save_ref(store, "aad-sato", {"kind": "member", "reference": {"serviceUrl": "https://a/"}}, clock())
    await save_ref(store, "aad-sato", {"kind": "personal", "reference": {"serviceUrl": "https://b/", "conversation": {"id": "a:1"}}},
                   clock() + timedelta(minutes=1))  # fmt: skip
    got = await load_ref(store, "aad-sato")
    assert got == {"kind": "personal", "reference": {"serviceUrl": "https://b/", "conversation": {"id": "a:1"}}}
    assert await load_ref(store, "aad-sato", platform="slack") is None  # keys are per platform
    await save_ref(store, "19:x@thread.tacv2", {"kind": "channel"}, clock(), platform="teams")
    assert (await load_ref(store, "19:x@thread.tacv2")) == {"kind": "channel"}
