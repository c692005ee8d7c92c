"""Signed, expiring acknowledge links for pages that leave chat (e-mail): ``${MYNALEAK_PUBLIC_URL}/ack/<token>``.

A token is ``<payload>.<mac>``, both base64url: the payload names the incident, who acknowledges
(their chat id, or their e-mail ref), when the link expires and a random nonce; the MAC is HMAC-SHA256
with a key derived from the audit key (``MYNALEAK_AUDIT_KEY``; domain-separated, so a link MAC is
never an audit MAC). Single use is not kept here: the acknowledgement is dispatched with the dedup key
``acklink:<nonce>`` (the processed-event table), so it holds across restarts and replicas. Links live
:data:`TTL` (24 hours; ``MYNALEAK_LINK_HOURS``, at most 168) — within the 7 days processed-event keys are kept.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.model import UserRef

TTL = timedelta(hours=24)  # the default; MYNALEAK_LINK_HOURS sets it (ttl_from_env)
MAX_HOURS = 24 * 7  # single use is kept by the processed-event keys, which are kept 7 days


def ttl_from_env(env: Mapping[str, str]) -> timedelta:
    """How long an acknowledge link works: ``MYNALEAK_LINK_HOURS`` (default 24, at most 168); raises
    ``ValueError`` (with what to set) for anything else."""
    raw = env.get("MYNALEAK_LINK_HOURS", "").strip()
    if not raw:
        return TTL
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not 0 < hours <= MAX_HOURS or hours != hours:
        raise ValueError(f"MYNALEAK_LINK_HOURS: expected a number of hours above 0 and at most {MAX_HOURS}, got {raw!r}")
    return timedelta(hours=hours)


_DOMAIN = b"mynaleak/ack-link/v1"


class LinkError(Exception):
    """A link that cannot be used: ``reason`` is ``bad`` (forged, damaged) or ``expired``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class AckLink:
    incident: str
    actor: UserRef
    expires: datetime
    nonce: str

    @property
    def dedup(self) -> str:
        return f"acklink:{self.nonce}"


def link_key(audit_key: bytes) -> bytes:
    return hmac.new(audit_key, _DOMAIN, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_link(incident: str, actor: UserRef, now: datetime, ttl: timedelta = TTL) -> AckLink:
    return AckLink(incident, UserRef(actor.platform, actor.key), now + ttl, secrets.token_urlsafe(12))


def sign(key: bytes, link: AckLink) -> str:
    body = {"i": link.incident, "p": link.actor.platform, "k": link.actor.key, "x": int(link.expires.timestamp()), "n": link.nonce}
    payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def verify(key: bytes, token: str, now: datetime) -> AckLink:
    """The link ``token`` stands for; raises :class:`LinkError` if it is forged, damaged or expired."""
    payload, _, mac = token.partition(".")
    if not payload or not mac or len(token) > 1000:
        raise LinkError("bad")
    try:
        given = _unb64(mac)
    except (binascii.Error, ValueError) as exc:
        raise LinkError("bad") from exc
    if not hmac.compare_digest(given, hmac.new(key, payload.encode(), hashlib.sha256).digest()):
        raise LinkError("bad")
    try:
        body = json.loads(_unb64(payload))
        link = AckLink(str(body["i"]), UserRef(str(body["p"]), str(body["k"])), datetime.fromtimestamp(int(body["x"]), UTC), str(body["n"]))
    except (ValueError, KeyError, TypeError) as exc:  # signed by us, so only a key shared with an older format
        raise LinkError("bad") from exc
    if now >= link.expires:
        raise LinkError("expired")
    return link
