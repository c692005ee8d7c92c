"""Issue 14 (Slack): a request refused for its signature or its timestamp leaves no trace of the My
Number its body carries in any log record (every logger, every level, every attribute), through the
real route into the real Bolt app. Also Bolt's own verification, should it ever see such a request."""

from __future__ import annotations

import logging
import re
import time
from urllib.parse import urlencode

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

NUMBER = "123456789018"  # a valid My Number (check digit 8)
SHAPES = (NUMBER, "1234 5678 9018", "1234-5678-9018", "１２３４５６７８９０１８")


def traces(records: list[logging.LogRecord]) -> list[str]:
    """Every piece of every record that mentions the number in any of its shapes (or its last digits)."""
    found = []
    for r in records:
        extras = [repr(v) for k, v in vars(r).items() if not isinstance(v, int | float)]  # not its times and ids
        parts = [r.getMessage(), str(r.msg), repr(r.args), r.exc_text or "", *extras]
        text = "\n".join(parts)
        digits = re.sub(r"[\s\-]", "", text)
        if any(s in text for s in SHAPES) or NUMBER in digits or "9018" in text:
            found.append(f"{r.name}/{r.levelname}: {r.getMessage()[:200]}")
    return found


def _body() -> str:
    return urlencode({"token": "legacy", "team_id": "T0FAKE", "channel_id": "C0GENERAL", "user_id": "U0REPORTER",
                      "command": "/mynaleak", "text": f"report 番号 {SHAPES[1]} を紛失", "trigger_id": "1.2.x"})  # fmt: skip


async def test_refused_requests_leave_no_my_number_in_any_log(slack, fake, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)  # the root logger: every logger propagates here
    body = _body()
    bad = slack.headers(body, secret="not-the-secret")
    old = slack.headers(body, ts=int(time.time()) - 10 * 60)  # signed right, but eleven minutes old
    for headers in (bad, old):
        reply = await slack.send(body, "application/x-www-form-urlencoded", headers=headers)
        assert reply.status == 401
        assert "9018" not in reply.text
    await slack.settle()
    assert [c.method for c in fake.calls if c.method != "auth.test"] == []  # nothing acted on
    assert caplog.records, "nothing captured: the check below would pass vacuously"
    assert traces(caplog.records) == []
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 2 and {getattr(r, "reason", "") for r in refused} == {
        "signature does not match",
        "timestamp outside the five-minute window",
    }
    # the same request correctly signed is read (so the body does carry the number where it is looked for)
    caplog.clear()
    assert (await slack.send(body, "application/x-www-form-urlencoded")).status == 200
    await slack.settle()


async def test_bolt_own_verification_logs_no_body(slack, caplog: pytest.LogCaptureFixture):
    """Defence in depth: the route refuses first, but Bolt's verification (still on) logs the whole body
    of what it refuses at INFO; the filter installed with Slack keeps only the reason."""
    caplog.set_level(logging.DEBUG)
    body = _body()
    for headers in (slack.headers(body, secret="not-the-secret"), slack.headers(body, ts=int(time.time()) - 600)):
        request = AsyncBoltRequest(body=body, headers={k.lower(): v for k, v in headers.items()})
        response = await slack.adapter.bolt.async_dispatch(request)
        assert response.status == 401
    bolt_records = [r for r in caplog.records if r.name.startswith("slack_bolt")]
    assert bolt_records, "Bolt logged nothing: the filter is not exercised"
    assert traces(caplog.records) == []
