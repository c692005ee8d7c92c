"""`mynaleak teams-package`: the sideloadable Teams app package (manifest.json 1.19, a 192×192 colour
icon and a 32×32 outline icon, zipped) built from the environment and the organisation file.

The icons are drawn here and written as PNG with the standard library (zlib, struct): no imaging
library is needed. Settings read from the environment:
  MICROSOFT_APP_ID            the bot's app id (required: it is the manifest's botId)
  MYNALEAK_TEAMS_APP_ID       the Teams app's own id (default: the bot id, as Microsoft asks of an
                              app with a bot; set it only to keep an app uploaded under another id)
  MYNALEAK_PUBLIC_URL         where the bot is reachable (the developer links default to the bot's
                              own /about, /privacy and /terms pages: adapters/teams/legal.py)
  MYNALEAK_TEAMS_WEBSITE_URL / _PRIVACY_URL / _TERMS_URL   the developer links (https)
  MYNALEAK_TEAMS_DEVELOPER    the developer name (default: the organisation)
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.core.config import OrgConfig, Settings
from bot.core.i18n import t

MANIFEST_VERSION = "1.19"
ACCENT = (0xB3, 0x26, 0x1E)  # a warning red
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# every verb the bot answers, as typed (flows.commands.VERBS; a test keeps the two equal)
COMMANDS = ("report", "status", "list", "page", "repost", "close", "drill", "away", "help")


class PackageError(ValueError):
    """The package cannot be built as configured (the message says what to set)."""


def _version() -> str:
    try:
        v = metadata.version("mynaleak")
    except metadata.PackageNotFoundError:
        v = "1.0.0"
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)", v)
    return ".".join(str(int(x)) for x in m.groups()) if m else "1.0.0"


def _https(url: str, fallback: str) -> str:
    url = (url or "").strip()
    return url if url.lower().startswith("https://") else fallback


def manifest(config: OrgConfig, settings: Settings) -> dict[str, Any]:
    """The app manifest (schema 1.19) for this bot and organisation."""
    env = settings.env
    bot_id = env.get("MICROSOFT_APP_ID", "").strip()
    if not GUID.match(bot_id):
        raise PackageError("MICROSOFT_APP_ID must be set to the bot's Microsoft App ID (a GUID) to build the Teams package")
    app_id = env.get("MYNALEAK_TEAMS_APP_ID", "").strip() or bot_id
    if not GUID.match(app_id):
        raise PackageError("MYNALEAK_TEAMS_APP_ID must be a GUID")
    lang = config.language
    base = _https(env.get("MYNALEAK_PUBLIC_URL", ""), "")
    links = [env.get(f"MYNALEAK_TEAMS_{k}_URL", "") for k in ("WEBSITE", "PRIVACY", "TERMS")]
    if not base and not all(_https(u, "") for u in links):  # never a developer link that leads nowhere
        raise PackageError(t("teams.package_needs_url", lang))
    base = base if base.endswith("/") else base + "/"
    developer = (env.get("MYNALEAK_TEAMS_DEVELOPER") or config.organisation or "mynaleak")[:32]
    commands = [{"title": c, "description": t(f"teams.cmd_{c}", lang)[:128]} for c in COMMANDS]
    return {
        "$schema": "https://developer.microsoft.com/json-schemas/teams/v1.19/MicrosoftTeams.schema.json",
        "manifestVersion": MANIFEST_VERSION,
        "version": _version(),
        "id": app_id,
        "localizationInfo": {"defaultLanguageTag": "ja-jp" if lang == "ja" else "en-us"},
        "developer": {
            "name": developer,
            "websiteUrl": _https(env.get("MYNALEAK_TEAMS_WEBSITE_URL", ""), base + "about"),
            "privacyUrl": _https(env.get("MYNALEAK_TEAMS_PRIVACY_URL", ""), base + "privacy"),
            "termsOfUseUrl": _https(env.get("MYNALEAK_TEAMS_TERMS_URL", ""), base + "terms"),
        },
        "name": {"short": "mynaleak", "full": f"mynaleak — {config.organisation}"[:100] if config.organisation else "mynaleak"},
        "description": {"short": t("teams.app_short", lang)[:80], "full": t("teams.app_full", lang)[:4000]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,  # drafts are signed download links (bot/downloads.py), no file consent
                "isNotificationOnly": False,
                "commandLists": [{"scopes": ["personal", "team", "groupChat"], "commands": commands}],
            }
        ],
        "validDomains": [],
    }


# ---- icons ---------------------------------------------------------------------------------------
def png(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An RGBA PNG (colour type 6, 8 bits per channel) from rows of pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _shield(x: float, y: float) -> bool:
    """A shield shape in the unit square (top flat, bottom pointed)."""
    if not 0.2 <= x <= 0.8 or not 0.15 <= y <= 0.88:
        return False
    if y <= 0.55:
        return True
    half = 0.3 * (0.88 - y) / 0.33  # narrows to a point at the bottom
    return abs(x - 0.5) <= half


def _mark(x: float, y: float) -> bool:
    """An exclamation mark inside the shield."""
    return (abs(x - 0.5) <= 0.045 and 0.27 <= y <= 0.56) or ((x - 0.5) ** 2 + (y - 0.67) ** 2 <= 0.05**2)


def color_icon(size: int = 192) -> bytes:
    white, accent = (255, 255, 255, 255), (*ACCENT, 255)
    rows = []
    for j in range(size):
        row = []
        for i in range(size):
            x, y = (i + 0.5) / size, (j + 0.5) / size
            row.append(accent if _mark(x, y) else white if _shield(x, y) else accent)
        rows.append(row)
    return png(size, size, rows)


def outline_icon(size: int = 32) -> bytes:
    """White on transparent, as Teams requires for the outline icon."""
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)
    rows = []
    for j in range(size):
        row = []
        for i in range(size):
            x, y = (i + 0.5) / size, (j + 0.5) / size
            row.append(white if _shield(x, y) and not _mark(x, y) else clear)
        rows.append(row)
    return png(size, size, rows)


def build_package(config: OrgConfig, settings: Settings, out_path: str | Path) -> Path:
    """Write the sideloadable package (a zip of manifest.json, color.png, outline.png) to
    ``out_path`` (a directory gets ``mynaleak-teams.zip``); returns the zip's path."""
    out = Path(out_path)
    if out.is_dir():
        out = out / "mynaleak-teams.zip"
    doc = manifest(config, settings)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(doc, ensure_ascii=False, indent=2))
        z.writestr("color.png", color_icon())
        z.writestr("outline.png", outline_icon())
    return out
