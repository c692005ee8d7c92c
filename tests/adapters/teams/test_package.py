"""`mynaleak teams-package`: manifest.json valid against the Teams 1.19 schema, real PNG icons."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import jsonschema
import pytest

from adapters.teams.package import PackageError, build_package, manifest
from bot.core.config import OrgConfig, Settings
from flows.commands import VERBS
from tests.adapters.teams.fakes import SCHEMAS

APP_ID = "11111111-2222-3333-4444-555555555555"


def _settings(**env: str) -> Settings:
    return Settings.from_env({"MICROSOFT_APP_ID": APP_ID, **env})


def _png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Parse a PNG: (width, height, rows of RGBA bytes), checking every chunk's CRC."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n : pos + 12 + n])[0] == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert (depth, ctype) == (8, 6)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    rows = [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)]
    return width, height, rows


def test_package_zip_validates_and_has_the_icons(tmp_path: Path, org: OrgConfig) -> None:
    out = build_package(org, _settings(MYNALEAK_PUBLIC_URL="https://bot.example.jp"), tmp_path)
    assert out.name == "mynaleak-teams.zip"
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["color.png", "manifest.json", "outline.png"]
        doc = json.loads(z.read("manifest.json"))
        color, outline = _png(z.read("color.png")), _png(z.read("outline.png"))
    schema = json.loads((SCHEMAS / "teams-manifest-1.19.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    assert doc["bots"][0]["botId"] == APP_ID and doc["id"] == APP_ID  # Microsoft: the same id when the app has a bot
    assert [c["title"] for c in doc["bots"][0]["commandLists"][0]["commands"]] == list(VERBS)  # close and drill too
    assert doc["developer"]["privacyUrl"] == "https://bot.example.jp/privacy"
    assert doc["developer"]["termsOfUseUrl"] == "https://bot.example.jp/terms"
    assert doc["developer"]["websiteUrl"] == "https://bot.example.jp/about"
    assert doc["bots"][0]["supportsFiles"] is False  # drafts are download links, no file-consent cards
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    pixels = {bytes(r[i : i + 4]) for r in outline[2] for i in range(0, len(r), 4)}
    assert pixels == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}  # white on transparent
    assert b"\xff\xff\xff\xff" in {bytes(r[i : i + 4]) for r in color[2] for i in range(0, len(r), 4)}


def test_manifest_is_stable_and_schema_catches_mistakes(org: OrgConfig) -> None:
    a, b = (
        manifest(org, _settings(MYNALEAK_PUBLIC_URL="https://bot.example.jp")),
        manifest(org, _settings(MYNALEAK_PUBLIC_URL="https://bot.example.jp")),
    )
    assert a == b  # the Teams app id is derived, not random
    schema = json.loads((SCHEMAS / "teams-manifest-1.19.schema.json").read_text(encoding="utf-8"))
    broken = dict(a, accentColor="red")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(broken)


def test_package_needs_the_bot_id(tmp_path: Path, org: OrgConfig) -> None:
    with pytest.raises(PackageError, match="MICROSOFT_APP_ID"):
        build_package(org, Settings.from_env({}), tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def test_developer_links_are_required_never_localhost(tmp_path: Path, org: OrgConfig) -> None:
    with pytest.raises(PackageError, match="MYNALEAK_PUBLIC_URL"):
        manifest(org, _settings())
    with pytest.raises(PackageError, match="MYNALEAK_PUBLIC_URL"):  # http, or only some links: still refused
        manifest(org, _settings(MYNALEAK_PUBLIC_URL="http://bot.example.jp", MYNALEAK_TEAMS_PRIVACY_URL="https://x.example/p"))
    links = {"MYNALEAK_TEAMS_WEBSITE_URL": "https://x.example/", "MYNALEAK_TEAMS_PRIVACY_URL": "https://x.example/p",
             "MYNALEAK_TEAMS_TERMS_URL": "https://x.example/t"}  # fmt: skip
    doc = manifest(org, _settings(**links))
    assert doc["developer"]["privacyUrl"] == "https://x.example/p" and "localhost" not in json.dumps(doc)
    assert manifest(org, _settings(MYNALEAK_TEAMS_APP_ID="99999999-2222-3333-4444-555555555555", **links))["id"].startswith("9999")
