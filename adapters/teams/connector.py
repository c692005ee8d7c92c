"""botbuilder plumbing: authentication from the environment, connector clients that never retry on
their own (the outbox owns retries), and connector errors → ``DeliveryError``.

What botbuilder does by itself, and why it is changed here:
- its connector client (msrest over ``requests``/urllib3) retries PUTs (message updates) on 429/5xx
  up to three times with back-off *inside* a worker thread, sleeping on ``Retry-After``; with the
  outbox retrying too that is a retry storm and a held thread. Every client here makes exactly one
  attempt with a short timeout, and 429/5xx come back to us at once with their status;
- token validation fetches the OpenID metadata with blocking ``requests`` on the event loop and
  raises assorted exceptions for malformed tokens (not just ``PermissionError``, which is what the
  aiohttp integration turns into 401) — so it runs in a worker thread and every failure is a 401;
- it creates new app credentials (a new MSAL client, so an empty token cache) for every connector
  client, i.e. an AAD token request per message, made with blocking I/O on the event loop — so
  credentials are kept per (app id, scope, endpoint) and the token is fetched in a worker thread.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication, ConfigurationServiceClientCredentialFactory
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AuthenticateRequestResult,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.core.platform import DeliveryError

log = logging.getLogger("mynaleak.teams")
TIMEOUT = 15  # seconds for one connector call
# Optional settings for sovereign clouds / tests, passed to botbuilder under its own names.
ADVANCED = {
    "MICROSOFT_CHANNEL_SERVICE": "CHANNEL_SERVICE",
    "MICROSOFT_OPENID_METADATA_URL": "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
    "MICROSOFT_TOKEN_ISSUER": "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "MICROSOFT_LOGIN_URL": "TO_CHANNEL_FROM_BOT_LOGIN_URL",
    "MICROSOFT_OAUTH_SCOPE": "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
}


@dataclass
class BotConfig:
    """The configuration object botbuilder reads (attribute names are botbuilder's)."""

    APP_ID: str = ""
    APP_PASSWORD: str = ""
    APP_TENANTID: str = ""
    APP_TYPE: str = "MultiTenant"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> BotConfig:
        cfg = cls(
            APP_ID=env.get("MICROSOFT_APP_ID", "").strip(),
            APP_PASSWORD=env.get("MICROSOFT_APP_PASSWORD", ""),
            APP_TENANTID=env.get("MICROSOFT_APP_TENANT_ID", "").strip(),
            APP_TYPE=env.get("MICROSOFT_APP_TYPE", "").strip() or ("SingleTenant" if env.get("MICROSOFT_APP_TENANT_ID") else "MultiTenant"),
        )
        for ours, theirs in ADVANCED.items():
            if env.get(ours):
                setattr(cfg, theirs, env[ours])
        if env.get("MICROSOFT_OPENID_METADATA_URL") and not env.get("MICROSOFT_TOKEN_ISSUER"):
            cfg.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = "https://api.botframework.com"  # type: ignore[attr-defined]
        return cfg


class _CachedCredentials(ServiceClientCredentialsFactory):
    """One credentials object (one MSAL token cache) per app id, scope and login endpoint."""

    def __init__(self, inner: ServiceClientCredentialsFactory):
        self._inner = inner
        self._made: dict[tuple[Any, ...], Any] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return await self._inner.is_valid_app_id(app_id)

    async def is_authentication_disabled(self) -> bool:
        return await self._inner.is_authentication_disabled()

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool) -> Any:
        key = (app_id, oauth_scope, login_endpoint, validate_authority)
        if key not in self._made:
            self._made[key] = await self._inner.create_credentials(app_id, oauth_scope, login_endpoint, validate_authority)
        return self._made[key]


class _NoRetryFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory):
        self._inner = inner

    async def create(self, service_url: str, audience: str = None) -> Any:  # type: ignore[assignment]
        client = await self._inner.create(service_url, audience)
        # msrest's own retries off (urllib3 retried PUTs on 429/5xx, sleeping on Retry-After, and then
        # hid the status behind a RetryError): one attempt, the status comes back, the outbox retries.
        # The session already holds this Retry object: change it in place.
        policy = client.config.retry_policy.policy
        policy.total = policy.connect = policy.read = policy.status = 0
        policy.status_forcelist = frozenset()
        policy.raise_on_status = False
        policy.respect_retry_after_header = False
        client.config.connection.timeout = TIMEOUT
        client.config.redirect_policy.allow = False
        return client


class Authentication(BotFrameworkAuthentication):
    """``ConfigurationBotFrameworkAuthentication`` with non-retrying connector clients and
    token validation that answers 401 for every bad token and never blocks the event loop."""

    def __init__(self, config: BotConfig):
        creds = _CachedCredentials(ConfigurationServiceClientCredentialFactory(config))
        self._inner = ConfigurationBotFrameworkAuthentication(config, credentials_factory=creds)

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            if auth_header:
                result = await asyncio.to_thread(asyncio.run, self._inner.authenticate_request(activity, auth_header))
            else:
                result = await self._inner.authenticate_request(activity, auth_header)
        except PermissionError as exc:
            log.warning("teams request refused: %s", str(exc)[:200])
            raise
        except Exception as exc:  # malformed token, unknown key, metadata unreachable …
            log.warning("teams request refused: %s: %s", type(exc).__name__, str(exc)[:200])
            raise PermissionError("invalid token") from exc
        if result.connector_factory is not None:
            result.connector_factory = _NoRetryFactory(result.connector_factory)
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> AuthenticateRequestResult:
        raise PermissionError("streaming is not supported")

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _NoRetryFactory(self._inner.create_connector_factory(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._inner.create_user_token_client(claims_identity)

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        raise PermissionError("skills are not supported")


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    raw = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    code = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(code) if isinstance(code, int) else None


def delivery_error(exc: BaseException, what: str, gone: str | None = None) -> DeliveryError:
    """A connector failure as the core understands it. ``gone``: the message to use when the
    recipient can never be reached (403/404: app uninstalled, bot blocked, conversation deleted)."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, HttpOperationError):
        code = status_of(exc)
        headers = getattr(getattr(exc, "response", None), "headers", None)
        if code == 429:
            return DeliveryError(f"{what}: Teams throttled (429)", retry_after=retry_after(headers) or 1.0)
        if code is not None and (code >= 500 or code in (401, 408)):
            return DeliveryError(f"{what}: connector answered {code}", retry_after=retry_after(headers))
        if code in (403, 404):
            return DeliveryError(gone or f"{what}: connector answered {code}", permanent=True)
        return DeliveryError(f"{what}: connector answered {code}", permanent=True)
    if isinstance(exc, ClientRequestError | TimeoutError | ConnectionError | OSError):
        return DeliveryError(f"{what}: connector unreachable ({type(exc).__name__})")
    return DeliveryError(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
