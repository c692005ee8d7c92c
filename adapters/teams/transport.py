"""How the Teams adapter talks HTTP: one aiohttp session and one token cache, on the server's loop.

botbuilder's connector client (msrest) sends every call through ``requests`` in a worker thread, with a
new ``requests`` session — a new TCP (and TLS) connection — per client, i.e. per message; it signs
each call by asking MSAL for the token synchronously; and its token validation fetches the OpenID
metadata with a blocking ``requests.get`` without a timeout. Here:

- :class:`Shared` owns one ``aiohttp.ClientSession`` (keep-alive connections reused across messages)
  and one token per set of credentials, refreshed five minutes before it expires (in a worker thread:
  MSAL is synchronous) or at once after the connector answered 401;
- :func:`use_shared` swaps a connector client's pipeline for one that uses them: one attempt, a short
  timeout, no redirects (the outbox owns retries), connection failures as msrest's
  ``ClientRequestError``, HTTP statuses untouched (``ErrorResponseException`` carries them);
- :func:`install_metadata_fetcher` makes botbuilder's OpenID metadata refresh run in a worker thread
  with a timeout, so validating a token never blocks the loop (it is refreshed once a day).
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime
from typing import Any

import aiohttp
import jwt
import requests
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata
from msrest.exceptions import ClientRequestError
from msrest.pipeline import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline, Request, Response
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http.aiohttp import AioHttpClientResponse

REFRESH_BEFORE = 300.0  # seconds before a token's expiry it is fetched anew
UNKNOWN_LIFETIME = 300.0  # a token whose expiry cannot be read is kept this long
MAX_CLIENTS = 256


class Shared:
    """One HTTP session and one token cache for every connector client of an adapter."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._tokens: dict[int, tuple[str, float]] = {}  # id(credentials) -> (token, monotonic time to refresh it)
        self._locks: dict[int, asyncio.Lock] = {}
        self.token_fetches = 0
        self.clients: dict[tuple[Any, ...], Any] = {}  # connector clients, see connector._SharedFactory

    def keep_client(self, key: tuple[Any, ...], client: Any) -> None:
        if len(self.clients) >= MAX_CLIENTS:  # service URLs are few (one per region); bound it anyway
            self.clients.clear()
        self.clients[key] = client

    def session(self) -> aiohttp.ClientSession:
        """The session, created on first use on the running (the server's) loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout), connector=aiohttp.TCPConnector(limit=64, ttl_dns_cache=300)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def token(self, creds: Any) -> str | None:
        """The bearer token for ``creds`` (``None`` for the emulator's empty credentials)."""
        app_id = getattr(creds, "microsoft_app_id", None)
        if not app_id or app_id == AuthenticationConstants.ANONYMOUS_SKILL_APP_ID:
            return None
        key = id(creds)
        cached = self._tokens.get(key)
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one fetch however many messages wait for it
            cached = self._tokens.get(key)
            if cached is not None and time.monotonic() < cached[1]:
                return cached[0]
            force = cached is not None
            token: str = await asyncio.to_thread(creds.get_access_token, force)
            self.token_fetches += 1
            self._tokens[key] = (token, time.monotonic() + _lifetime(token))
            return token

    def forget(self, creds: Any) -> None:
        """The connector refused the token: fetch a fresh one next time."""
        cached = self._tokens.get(id(creds))
        if cached is not None:
            self._tokens[id(creds)] = (cached[0], 0.0)


def _lifetime(token: str) -> float:
    """Seconds to keep ``token``: until five minutes before its ``exp`` (an AAD token is a JWT)."""
    try:
        exp = jwt.decode(token, options={"verify_signature": False}).get("exp")
    except jwt.PyJWTError:
        return UNKNOWN_LIFETIME
    if not isinstance(exp, int | float):
        return UNKNOWN_LIFETIME
    return max(0.0, float(exp) - time.time() - REFRESH_BEFORE)


class _Bearer(AsyncHTTPPolicy):
    def __init__(self, shared: Shared, creds: Any):
        super().__init__()
        self._shared, self._creds = shared, creds

    async def send(self, request: Request, **kwargs: Any) -> Response:
        try:
            token = await self._shared.token(self._creds)
        except Exception as exc:  # MSAL / AAD failures: a connector failure like any other (retried)
            raise ClientRequestError(f"could not get a token: {type(exc).__name__}") from exc
        if token:
            request.http_request.headers["Authorization"] = f"Bearer {token}"
        assert self.next is not None  # the pipeline links every policy to the next
        response: Response = await self.next.send(request, **kwargs)
        if token and response.http_response.status_code == 401:
            self._shared.forget(self._creds)
        return response


class _Sender(AsyncHTTPSender):
    def __init__(self, shared: Shared):
        self._shared = shared

    async def __aenter__(self) -> _Sender:
        return self

    async def __aexit__(self, *exc: Any) -> None:  # the session outlives every client
        return None

    def build_context(self) -> None:
        return None

    async def send(self, request: Request, **config: Any) -> Response:
        http = request.http_request
        try:
            raw = await self._shared.session().request(
                http.method, http.url, headers=dict(http.headers), data=http.data, allow_redirects=False
            )
            response = AioHttpClientResponse(http, raw)
            await response.load_body()  # releases the connection to the pool
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise ClientRequestError(f"connector unreachable: {type(exc).__name__}") from exc
        return Response(request, response)


def use_shared(client: Any, shared: Shared) -> Any:
    """Send ``client``'s calls (a botbuilder ``ConnectorClient``) through ``shared``."""
    config = client.config
    policies = [config.user_agent_policy, _Bearer(shared, config.credentials), RawDeserializer(), config.http_logger_policy]
    config.pipeline = AsyncPipeline(policies, _Sender(shared))
    return client


class _Metadata(_OpenIdMetadata):
    """botbuilder's OpenID metadata cache, refreshed in a worker thread with a timeout."""

    _lock = threading.Lock()
    timeout = 15.0

    async def _refresh(self) -> None:
        seen: datetime = self.last_updated
        await asyncio.to_thread(self._refresh_blocking, seen)

    def _refresh_blocking(self, seen: datetime) -> None:
        with self._lock:
            if getattr(self, "last_updated", None) != seen:  # another request refreshed it meanwhile
                return
            response = requests.get(self.url, timeout=self.timeout)
            response.raise_for_status()
            keys = requests.get(response.json()["jwks_uri"], timeout=self.timeout)
            keys.raise_for_status()
            self.keys = keys.json()["keys"]
            self.last_updated = datetime.now()


def _metadata_for(metadata_url: str) -> _Metadata:
    found = JwtTokenExtractor.metadataCache.get(metadata_url)
    if not isinstance(found, _Metadata):
        found = JwtTokenExtractor.metadataCache[metadata_url] = _Metadata(metadata_url)
    return found


def install_metadata_fetcher() -> None:
    """Make every token validation use :class:`_Metadata` (botbuilder keeps the cache per process)."""
    JwtTokenExtractor.get_open_id_metadata = staticmethod(_metadata_for)
