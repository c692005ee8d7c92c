"""Issue 14 (playground): a page that outlived its server process gets the new process's token from
``/playground/session`` — its own origin only — and a request refused for its token says so."""

from __future__ import annotations

from tests.adapters.playground.test_playground_web import get
from tests.contract.driver_playground import PlaygroundDriver


async def test_the_session_gives_the_page_this_processs_token(pg: PlaygroundDriver) -> None:
    assert pg.session is not None
    async with pg.session.get(pg.base + "/playground/session") as r:
        assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
        assert (await r.json())["token"] == pg.pg.token


async def test_the_session_is_refused_to_other_sites(pg: PlaygroundDriver) -> None:
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}, {"Host": "evil.example:3978"}):
        status, body, _ = await get(pg, "/playground/session", headers=headers)
        assert status == 403, headers
        assert pg.pg.token not in body


async def test_a_stale_token_is_named_as_the_reason(pg: PlaygroundDriver) -> None:
    status, _, headers = await get(pg, "/playground/api/state", headers={"X-Mynaleak-Token": "from-an-older-process"}, persona="yamada")
    assert status == 403 and headers.get("X-Mynaleak-Refused") == "token"
    status, _, headers = await get(pg, "/playground/api/state", headers={"Sec-Fetch-Site": "cross-site"}, persona="yamada")
    assert status == 403 and "X-Mynaleak-Refused" not in headers  # refused for another reason: a new token would not help
