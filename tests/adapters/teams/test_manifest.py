"""`porte-voix manifest teams`: a manifest and an app package Teams accepts."""

from __future__ import annotations

import json
import re
import struct
import zipfile
from pathlib import Path
from typing import Any

import pytest

import bot.handlers  # noqa: F401  (registers the routes the command menus name)
from bot.cli import main
from bot.router import router

APP_ID = "6f1c2d3e-4a5b-4c6d-8e7f-0123456789ab"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.delenv("PORTEVOIX_PUBLIC_URL", raising=False)


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["manifest", "teams", *args])
    out, err = capsys.readouterr()
    return code, out, err


def manifest_for(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code, out, err = printed(capsys, *args)
    assert code == 0, err
    assert "{{" not in out and "}}" not in out
    manifest: dict[str, Any] = json.loads(out)
    return manifest


def png_header(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG's IHDR chunk, which comes first."""
    assert data[:8] == PNG_SIGNATURE
    _, chunk, width, height, _, colour_type = struct.unpack(">I4sIIBB", data[8:26])
    assert chunk == b"IHDR"
    return width, height, colour_type


def test_the_manifest_names_the_bot_and_the_host(capsys):
    manifest = manifest_for(capsys, "--url", "https://pv.acme.test/")
    [bot] = manifest["bots"]
    assert manifest["id"] == bot["botId"] == APP_ID
    assert manifest["validDomains"] == ["pv.acme.test"]
    assert set(bot["scopes"]) == {"personal", "team"}
    assert bot["isNotificationOnly"] is False and bot["supportsFiles"] is False
    assert sorted(manifest["permissions"]) == ["identity", "messageTeamMembers"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_manifest_keeps_within_the_schema(capsys):
    """The Teams schema's key constraints, checked by hand (no schema download in tests)."""
    manifest = manifest_for(capsys, "--url", "https://pv.acme.test")
    version = manifest["manifestVersion"]
    assert manifest["$schema"] == ("https://developer.microsoft.com/json-schemas/teams/"
                                   f"v{version}/MicrosoftTeams.schema.json")
    assert tuple(int(part) for part in version.split(".")) >= (1, 17)
    assert SEMVER.match(manifest["version"]) and GUID.match(manifest["id"])
    developer = manifest["developer"]
    assert len(developer["name"]) <= 32
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert developer[key].startswith("https://")
    assert manifest["name"]["short"] == "Porte-Voix" and len(manifest["name"]["full"]) <= 100
    assert 0 < len(manifest["description"]["short"]) <= 80
    assert 0 < len(manifest["description"]["full"]) <= 4000
    assert HEX_COLOR.match(manifest["accentColor"])
    [bot] = manifest["bots"]
    lists = bot["commandLists"]
    assert len(lists) <= 3
    for command_list in lists:
        assert set(command_list["scopes"]) <= set(bot["scopes"])
        commands = command_list["commands"]
        assert 0 < len(commands) <= 10
        titles = [command["title"] for command in commands]
        assert len(set(titles)) == len(titles)
        for command in commands:
            assert set(command) == {"title", "description"}
            assert 0 < len(command["title"]) <= 32
            assert 0 < len(command["description"]) <= 128


def test_the_command_menus_offer_words_the_bot_understands(capsys):
    manifest = manifest_for(capsys, "--url", "https://pv.acme.test")
    menus = {tuple(entry["scopes"]): [c["title"] for c in entry["commands"]]
             for entry in manifest["bots"][0]["commandLists"]}
    assert set(menus[("personal",)]) == {"join", "prefs", "me", "pause", "stop", "help"}
    assert set(menus[("team",)]) == {"queue", "list", "stats", "cancel", "digest",
                                     "settings", "help"}
    assert all(title in router.words for title in menus[("personal",)])
    assert all(title in router.commands for title in menus[("team",)])


def test_without_url_the_public_url_gives_the_host(capsys, monkeypatch):
    monkeypatch.setenv("PORTEVOIX_PUBLIC_URL", "https://pub.acme.test:8443/base")
    assert manifest_for(capsys)["validDomains"] == ["pub.acme.test"]


def test_zip_holds_the_filled_manifest_and_both_icons(capsys, tmp_path: Path):
    path = tmp_path / "out.zip"
    code, out, err = printed(capsys, "--zip", str(path), "--url", "https://pv.acme.test")
    assert code == 0, err
    assert out == f"wrote {path}\n"
    with zipfile.ZipFile(path) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = png_header(package.read("color.png"))
        outline = png_header(package.read("outline.png"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["pv.acme.test"]
    assert color[:2] == (192, 192) and color[2] in (2, 6)  # full colour: RGB or RGBA
    assert outline == (32, 32, 6)  # white on transparent needs an alpha channel: RGBA


@pytest.mark.parametrize(("args", "env", "expected"), [
    (("--url", "https://pv.acme.test"), None, "set TEAMS_APP_ID"),
    (("--url", "https://pv.acme.test"), "not-a-guid", "is not a GUID"),
    (("--url", "http://pv.acme.test"), APP_ID, "https"),
    (("--url", "pv.acme.test"), APP_ID, "https"),
    ((), APP_ID, "--url"),
    (("--socket-mode",), APP_ID, "Socket Mode is Slack's; Teams needs --url"),
])
def test_bad_settings_are_refused_clearly(capsys, monkeypatch, tmp_path, args, env, expected):
    if env is None:
        monkeypatch.delenv("TEAMS_APP_ID")
    else:
        monkeypatch.setenv("TEAMS_APP_ID", env)
    code, out, err = printed(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("porte-voix manifest: ") and expected in err
    path = tmp_path / "app.zip"
    code, out, err = printed(capsys, *args, "--zip", str(path))
    assert code == 2 and out == "" and err.startswith("porte-voix manifest: ")
    assert not path.exists()


def test_only_teams_has_a_package(capsys, tmp_path: Path):
    path = tmp_path / "slack.zip"
    code = main(["manifest", "slack", "--url", "https://pv.acme.test", "--zip", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "no app package" in err
    assert not path.exists()
