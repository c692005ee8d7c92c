"""Socket Mode: a fake Socket Mode server (a websocket on port 0, reached through apps.connections.open)
delivers a slash command; the bot acks the envelope and acts on it. No HTTP route is needed."""

from __future__ import annotations

import asyncio

from tests.adapters.slack.harness import SlackHarness


async def test_slash_command_over_socket_mode(db_url, org, fake, clock):
    h = await SlackHarness.start(db_url, org, fake, clock, socket_mode=True, http=False)
    try:
        socket = h.app.adapters["slack"].socket
        await asyncio.wait_for(socket.connected.wait(), 10)
        assert fake.called("apps.connections.open")
        body = h.command_body("report", "U0REPORTER", "C0GENERAL")
        loop = asyncio.get_running_loop()
        started = loop.time()
        eid = await fake.socket_send("slash_commands", body)
        ack = await fake.socket_ack(eid)
        assert ack["envelope_id"] == eid and loop.time() - started < 3.0
        await h.settle()
        opened = fake.called("views.open", trigger_id=body["trigger_id"])
        assert len(opened) == 1 and opened[0].args["view"]["callback_id"] == "report"
        # Slack re-sends an envelope it saw no ack for: the same command is not acted on twice
        eid2 = await fake.socket_send("slash_commands", body)
        await fake.socket_ack(eid2)
        await h.settle()
        assert len(fake.called("views.open")) == 1
        # without a signing secret there is no HTTP route to forge requests against
        async with h.session.post(h.server.make_url("/slack/events"), data=b"x") as resp:
            assert resp.status in (404, 405)
    finally:
        await h.close()
