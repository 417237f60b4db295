"""`porte-voix manifest slack`: a manifest Slack accepts, for HTTP or Socket Mode."""

from __future__ import annotations

import pytest
import yaml

from bot.cli import main

SCOPES = {"chat:write", "commands", "files:write", "im:history", "im:write", "users:read",
          "users:read.email", "channels:read", "groups:read"}


def printed(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["manifest", "slack", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_http_manifest_points_every_url_at_the_installation(capsys):
    code, out, _ = printed(capsys, "--url", "https://pv.acme.test/")
    manifest = yaml.safe_load(out)
    assert code == 0
    settings = manifest["settings"]
    [command] = manifest["features"]["slash_commands"]
    urls = {settings["event_subscriptions"]["request_url"],
            settings["interactivity"]["request_url"], command["url"]}
    assert urls == {"https://pv.acme.test/slack/events"}
    assert command["command"] == "/voix"
    assert settings["socket_mode_enabled"] is False
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "message.im", "member_joined_channel"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == SCOPES
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_socket_mode_manifest_has_no_request_url(capsys):
    code, out, _ = printed(capsys, "--socket-mode")
    manifest = yaml.safe_load(out)
    assert code == 0 and "example.com" not in out and "request_url" not in out
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "url" not in manifest["features"]["slash_commands"][0]


@pytest.mark.parametrize("args", [(), ("--url", "http://pv.acme.test"), ("--url", "pv.acme")])
def test_a_missing_or_plain_http_url_is_refused_clearly(capsys, args):
    code, out, err = printed(capsys, *args)
    assert code == 2 and out == "" and "porte-voix manifest:" in err
