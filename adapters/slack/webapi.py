"""One Web API call, and what its answer means for the outbox.

The methods the bot calls for every report — the page, the reporter's confirmation, the card and its
thread, the name look-up — go straight over the shared aiohttp session, sent exactly as slack_sdk's
``AsyncWebClient`` sends them (JSON in a POST body, or parameters with booleans as ``1``/``0``; the
same token, User-Agent, proxy and TLS settings). The client cost about twice the CPU of the HTTP
request itself per call (it formats its DEBUG lines — whole bodies — whatever the level, re-walks the
blocks, builds its headers and a response object each time), and a burst of reports makes a dozen
calls per report. Any other method (files, Bolt's own calls, Socket Mode) keeps the client.

Every failure is a :class:`DeliveryError` classified the same way on both paths (see adapter.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.internal_utils import get_user_agent

from bot.core.platform import DeliveryError

PERMANENT = frozenset(
    "channel_not_found user_not_found not_in_channel is_archived cannot_dm_bot account_inactive user_disabled "
    "user_not_visible user_not_in_channel channel_is_archived message_not_found cant_update_message "
    "edit_window_closed invalid_blocks invalid_blocks_format msg_too_long no_text expired_trigger_id "
    "invalid_trigger_id exchanged_trigger_id invalid_arguments restricted_action messages_tab_disabled "
    "team_access_not_granted not_allowed_token_type view_too_large duplicate_external_id".split()
)
# how slack_sdk sends each method: (HTTP verb, JSON body — else parameters in the query string)
DIRECT: dict[str, tuple[str, bool]] = {
    "chat.postMessage": ("POST", True),
    "chat.postEphemeral": ("POST", True),
    "chat.update": ("POST", True),
    "views.open": ("POST", True),
    "views.publish": ("POST", True),
    "chat.getPermalink": ("GET", False),
    "users.info": ("GET", False),
    "conversations.open": ("POST", False),
}


class SlackError(DeliveryError):
    """A Web API error answer, with Slack's error code."""

    def __init__(self, message: str, code: str, *, permanent: bool = False, blocked: bool = False):
        super().__init__(message, permanent=permanent, blocked=blocked)
        self.code = code


def retry_after(headers: Any) -> float:
    try:
        return max(0.0, float((headers or {}).get("Retry-After", "1")))
    except (TypeError, ValueError):
        return 1.0


def answer(method: str, status: int, data: Any, headers: Any) -> dict[str, Any]:
    """The data of a successful answer; any other answer as a DeliveryError: 429 → ``retry_after``;
    5xx → transient; an error code that can never work → permanent; anything else → transient."""
    data = data if isinstance(data, Mapping) else {}
    if status == 200 and data.get("ok"):
        return dict(data)
    error = str(data.get("error") or "")
    if status == 429 or error == "ratelimited":
        wait = retry_after(headers)
        raise DeliveryError(f"{method}: ratelimited (retry after {wait:g}s)", retry_after=wait)
    if status >= 500:
        raise DeliveryError(f"{method}: HTTP {status}")
    raise SlackError(f"{method}: {error or f'HTTP {status}'}", error, permanent=error in PERMANENT)


class WebApi:
    """Calls over the client's own session (and its token, proxy and TLS settings)."""

    def __init__(self, client: AsyncWebClient):
        self.client = client
        base = {"User-Agent": get_user_agent(), "Authorization": f"Bearer {client.token}"}
        self._json = {**base, "Content-Type": "application/json;charset=utf-8"}
        self._form = {**base, "Content-Type": "application/x-www-form-urlencoded"}

    async def call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """One call: its data, or a DeliveryError (timeouts and connection errors are the caller's)."""
        session = self.client.session
        how = DIRECT.get(method)
        if how is None or session is None or session.closed:
            return await self._client_call(method, args)
        verb, as_json = how
        url = self.client.base_url + method
        extra: dict[str, Any] = {"proxy": self.client.proxy} if self.client.proxy else {}
        if self.client.ssl is not None:
            extra["ssl"] = self.client.ssl
        if as_json:
            body = json.dumps({k: v for k, v in args.items() if v is not None}, ensure_ascii=False, separators=(",", ":"))
            request = session.request(verb, url, data=body.encode(), headers=self._json, **extra)
        else:
            params = {k: ("1" if v is True else "0" if v is False else v) for k, v in args.items() if v is not None}
            request = session.request(verb, url, params=params, headers=self._form, **extra)
        async with request as res:
            raw = await res.read()
            try:
                data = json.loads(raw) if raw else {}
            except ValueError:  # an HTML error page, a truncated body
                data = {}
            return answer(method, res.status, data, res.headers)

    async def _client_call(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        fn = getattr(self.client, method.replace(".", "_"))
        try:
            resp = await fn(**args)
        except SlackApiError as exc:
            got = exc.response
            return answer(method, getattr(got, "status_code", 0), getattr(got, "data", None), getattr(got, "headers", None))
        return dict(resp.data) if isinstance(resp.data, dict) else {}
