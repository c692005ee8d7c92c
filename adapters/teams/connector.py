"""botbuilder plumbing: authentication from the environment, connector clients that never retry on
their own (the outbox owns retries), and connector errors → ``DeliveryError``.

What botbuilder does by itself, and why it is changed here:
- its connector client (msrest over ``requests``) runs every call in a worker thread with a new HTTP
  session (a new connection) per client, retries PUTs on 429/5xx up to three times *inside* that
  thread, sleeping on ``Retry-After`` — with the outbox retrying too, a retry storm and a held thread.
  Every client here sends through one aiohttp session on the server's loop (``transport``), makes
  exactly one attempt with a short timeout, and 429/5xx come back to us at once with their status;
- it asks MSAL for the AAD token synchronously on every call and creates new app credentials (a new
  MSAL client, an empty token cache) for every connector client: credentials are kept per (app id,
  scope, endpoint) and their token is cached until shortly before it expires (``transport.Shared``);
- token validation fetches the OpenID metadata with blocking ``requests`` on the event loop and
  raises assorted exceptions for malformed tokens (not just ``PermissionError``, which is what the
  aiohttp integration turns into 401) — so the metadata is fetched in a worker thread with a timeout
  (``transport.install_metadata_fetcher``) and every failure is a 401.
"""

from __future__ import annotations

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
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    ServiceClientCredentialsFactory,
    UserTokenClient,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.transport import Shared, install_metadata_fetcher, use_shared
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


def _app_of(identity: ClaimsIdentity | None) -> str | None:
    """The bot's app id in a request's claims (as botbuilder reads it: audience, else appid)."""
    if identity is None:
        return None
    return identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM) or identity.get_claim_value(
        AuthenticationConstants.APP_ID_CLAIM
    )


class _SharedFactory(ConnectorFactory):
    """botbuilder's connector clients, sending through the adapter's one session and token cache, and
    made once per (app id, service URL, audience): a client holds no per-call state, and making one
    costs milliseconds of CPU (msrest builds a retry table of 999 codes by list scans)."""

    def __init__(self, inner: ConnectorFactory, shared: Shared, app_id: str | None):
        self._inner, self._shared, self._app_id = inner, shared, app_id

    async def create(self, service_url: str, audience: str = None) -> Any:  # type: ignore[assignment]
        key = (self._app_id, service_url, audience)
        client = self._shared.clients.get(key)
        if client is None:
            client = use_shared(await self._inner.create(service_url, audience), self._shared)
            self._shared.keep_client(key, client)
        return client


class Authentication(BotFrameworkAuthentication):
    """``ConfigurationBotFrameworkAuthentication`` with non-retrying connector clients and
    token validation that answers 401 for every bad token and never blocks the event loop."""

    def __init__(self, config: BotConfig):
        creds = _CachedCredentials(ConfigurationServiceClientCredentialFactory(config))
        self._inner = ConfigurationBotFrameworkAuthentication(config, credentials_factory=creds)
        self.shared = Shared(TIMEOUT)
        self._token_clients: dict[str | None, UserTokenClient] = {}
        install_metadata_fetcher()

    async def close(self) -> None:
        await self.shared.close()

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        try:
            result = await self._inner.authenticate_request(activity, auth_header)
        except PermissionError as exc:
            log.warning("teams request refused: %s", str(exc)[:200])
            raise
        except Exception as exc:  # malformed token, unknown key, metadata unreachable …
            log.warning("teams request refused: %s: %s", type(exc).__name__, str(exc)[:200])
            raise PermissionError("invalid token") from exc
        if result.connector_factory is not None:
            result.connector_factory = _SharedFactory(result.connector_factory, self.shared, _app_of(result.claims_identity))
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str) -> AuthenticateRequestResult:
        raise PermissionError("streaming is not supported")

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _SharedFactory(self._inner.create_connector_factory(claims_identity), self.shared, _app_of(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        # botbuilder makes one for every turn (we never use it): one per app id, made once
        key = _app_of(claims_identity)
        if key not in self._token_clients:
            self._token_clients[key] = await self._inner.create_user_token_client(claims_identity)
        return self._token_clients[key]

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


def delivery_error(exc: BaseException, what: str, gone: str | None = None, channel: bool = False) -> DeliveryError:
    """A connector failure as the core understands it. ``gone``: the message to use when the
    recipient can never be reached (403/404: app uninstalled, bot blocked, conversation deleted).
    ``channel``: the call was a post or an update in a channel, where 403/404 means the bot was removed
    from the team (or the channel is gone) — ``blocked``: it works again once someone adds the app."""
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
            # an update answered 404 is a message someone deleted, not a channel the bot left
            blocked = channel and (code == 403 or what != "update")
            return DeliveryError(gone or f"{what}: connector answered {code}", permanent=True, blocked=blocked)
        return DeliveryError(f"{what}: connector answered {code}", permanent=True)
    if isinstance(exc, ClientRequestError | TimeoutError | ConnectionError | OSError):
        return DeliveryError(f"{what}: connector unreachable ({type(exc).__name__})")
    return DeliveryError(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
