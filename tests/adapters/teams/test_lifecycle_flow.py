"""Recording a submission over the real botbuilder stack: the card's "Record a submission" button,
the form as an Adaptive Card (its date and time as Input.Date + Input.Time), a record that is shown
back with its error, a good one that updates the incident card in place."""

from __future__ import annotations

from tests.adapters.teams import fakes
from tests.adapters.teams.conftest import Bot
from tests.adapters.teams.test_scenario import SATO, install_everyone, report
from tests.support.jsontree import nodes


async def test_record_a_submission_from_the_card(bot: Bot) -> None:
    url = await install_everyone(bot)
    incident, _ = await report(bot, url)
    c = bot.connector
    root = c.to(fakes.CHANNEL, "send")[0]
    record = [a for el in nodes(root.card) for a in el.get("actions", []) if a.get("data", {}).get("action") == "submission:record"]
    assert record, "no Record a submission button on the card"
    before = len(c.calls)
    assert await bot.post(fakes.submit(url, SATO, record[0]["data"], fakes.in_channel(), reply_to=root.result_id)) == 201
    (form,) = [x for x in c.calls[before:] if x.card and x.card.get("actions", [{}])[0].get("data", {}).get("form") == "submission"]
    data = dict(form.card["actions"][0]["data"])
    assert data["mynaleak"]["dt"] == ["submitted_at"]

    def values(kind: str) -> dict[str, str]:
        return {**data, "law": "mynumber", "kind": kind, "submitted_at__date": "2026-11-26", "submitted_at__time": "10:00",
                "channel": "ppc_web", "receipt": "PPC-77"}  # fmt: skip

    where = fakes.in_channel() if form.conversation == fakes.CHANNEL else {"id": form.conversation}
    before = len(c.calls)
    assert await bot.post(fakes.submit(url, SATO, values("supplement"), where, reply_to=form.result_id)) == 201
    shown_back = [x for x in c.calls[before:] if x.card and "確報が未記録です" in x.text() and x.op in ("update", "send")]
    assert shown_back, [x.text()[:200] for x in c.calls[before:]]
    assert not any(x.op == "update" and x.activity_id == root.result_id for x in c.calls[before:])

    before = len(c.calls)
    assert await bot.post(fakes.submit(url, SATO, values("prelim"), where, reply_to=form.result_id)) == 201
    card_updates = [x for x in c.calls[before:] if x.op == "update" and x.activity_id == root.result_id]
    assert card_updates and "速報 2026-11-26" in card_updates[-1].text() and "PPC-77" in card_updates[-1].text()
    assert incident in card_updates[-1].text()
