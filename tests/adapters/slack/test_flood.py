"""A flood of reports through Slack's real request path (issue: one user filed 300 reports in 1.5 s and
step 1 got 300 DMs): 30 signed report submissions by one user within 3 s are all stored, and the first
person of the chain receives at most 8 direct messages at the fake Web API."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.store import INC


async def test_30_reports_in_3_seconds_reach_step_1_as_at_most_8_dms(slack, fake, clock) -> None:
    r = await slack.command("report", user="U0REPORTER")
    assert r.status == 200
    await slack.settle()
    view_id = max(fake.views)
    base = {"summary": "書類を誤送付した", "medium": "paper", "people": "3", "whose": "customers"}

    async def one(n: int) -> int:
        payload = slack.view_payload(view_id, base | {"summary": f"書類を誤送付した（{n}件目）"}, "U0REPORTER")
        payload["view"] = {**payload["view"], "id": f"V0FLOOD{n:02d}"}  # 30 separate modals, one person
        clock.advance(seconds=0.1)  # 30 reports in 3 seconds
        return (await slack.interactive(payload)).status

    statuses = [await one(n) for n in range(30)]
    await slack.settle()
    assert statuses == [200] * 30
    async with slack.app.store.tx() as tx:
        stored = (await tx.conn.execute(select(func.count()).select_from(INC))).scalar_one()
    assert stored == 30  # never drop a report
    dms = fake.called("chat.postMessage", channel="D0SATO")
    assert 1 <= len(dms) <= 8, len(dms)
    # the reporter was told the responders got a digest
    told = [e for e in fake.ephemerals if e["user"] == "U0REPORTER" and ("まとめ" in str(e) or "digest" in str(e).lower())]
    assert told
