"""The app manifest matches Slack's schema and what the code handles; the Home tab."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.manifest import build_manifest
from tests.e2e.conftest import SALES, SALES_CHANNEL, STRANGER

SCHEMA = json.loads((Path(__file__).parent / "slack_manifest.schema.json").read_text())
URL = "https://credit.example.com/slack/events"


@pytest.mark.parametrize("socket_mode", [False, True])
def test_the_manifest_fits_slacks_schema(socket_mode):
    result = CliRunner().invoke(main, ["manifest", *(["--socket-mode"] if socket_mode
                                                     else ["--url", URL])])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.stdout)
    jsonschema.validate(manifest, SCHEMA)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is socket_mode
    if not socket_mode:
        assert settings["interactivity"]["request_url"] == URL
        assert settings["event_subscriptions"]["request_url"] == URL
        assert {c["url"] for c in manifest["features"]["slash_commands"]} == {URL}


def test_the_manifest_needs_an_https_url():
    runner = CliRunner()
    assert "give --url" in runner.invoke(main, ["manifest"]).stderr
    refused = runner.invoke(main, ["manifest", "--url", "http://insecure/slack/events"])
    assert refused.exit_code == 1 and "only calls https URLs" in refused.stderr


def test_a_url_serve_does_not_answer_at_is_refused_before_the_app_is_made():
    runner = CliRunner()
    elsewhere = runner.invoke(main, ["manifest", "--url", "https://credit.example.com"])
    assert (elsewhere.exit_code, elsewhere.stderr) == (1, (
        "error: --url must be the address of /slack/events, where `creditbot serve` answers "
        "Slack, e.g. https://credit.example.com/slack/events; got "
        "https://credit.example.com\n"))
    slash = runner.invoke(main, ["manifest", "--url", URL + "/"])
    assert slash.exit_code == 1 and slash.stderr.startswith(
        "error: --url must be the address of /slack/events")
    hostless = runner.invoke(main, ["manifest", "--url", "https:///slack/events"])
    assert (hostless.exit_code, hostless.stderr) == (1, (
        "error: --url names no host: write https://YOUR-HOST/slack/events; got "
        "https:///slack/events\n"))
    upper = runner.invoke(main, ["manifest", "--url", "HTTPS://CREDIT.EXAMPLE.COM/slack/events"])
    assert upper.exit_code == 0
    both = runner.invoke(main, ["manifest", "--url", URL, "--socket-mode"])
    assert (both.exit_code, both.stderr) == (1, (
        "error: give --url or --socket-mode, not both: in Socket Mode Slack calls no URL\n"))


def test_the_usage_hint_holds_whole_usages_within_slacks_100_characters():
    hint = build_manifest(URL)["features"]["slash_commands"][0]["usage_hint"]
    assert hint == ("check acme | request acme +100k larger Q1 orders | requests | delegate "
                    "@mei until YYYY-MM-DD | …")
    assert len(hint) <= 100


def test_every_declared_command_and_event_is_handled(world):
    manifest = build_manifest(URL)
    for command in manifest["features"]["slash_commands"]:
        reply = world.slack.slash(SALES, SALES_CHANNEL, f"{command['command']} help")
        assert "/credit check" in reply.all_text()
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        result = world.slack.event({"type": event, "user": SALES, "tab": "home",
                                    "channel": "D0SALESAMY1", "event_ts": "1.0"})
        assert result.status == 200
    assert world.emulator.wait_for("views.publish")


def test_the_home_tab_says_what_creditbot_does_and_who_may_see_data(world):
    world.slack.event({"type": "app_home_opened", "user": SALES, "tab": "home"})
    world.slack.event({"type": "app_home_opened", "user": STRANGER, "tab": "home"})
    published = {c.args["user_id"]: json.dumps(c.args["view"])
                 for c in world.emulator.wait_for("views.publish", count=2)}
    assert "You may see customers' credit positions" in published[SALES]
    assert "/credit check" in published[SALES]
    assert (":lock: Credit data is confidential, and you are not among the people who may "
            "see it. Ask <@U02CREDITMG> or <@U02CREDITAN> to give you access."
            ) in published[STRANGER]


def test_a_chinese_reader_sees_each_commands_chinese_word_on_the_home_tab(world):
    # `/credit 帮助` lists them; the home tab had only the English words.
    from bot.sandbox.emulator import User

    world.emulator.users[SALES] = User(SALES, "amy", locale="zh-CN")
    world.slack.event({"type": "app_home_opened", "user": SALES, "tab": "home"})
    [call] = world.emulator.wait_for("views.publish")
    texts = [b["text"]["text"] for b in call.args["view"]["blocks"] if b["type"] == "section"]
    [commands] = [t for t in texts if t.startswith("*命令*")]
    lines = commands.split("\n")[1:]
    assert lines[0] == ("• `/credit check` / `/credit 查询` — "
                        "客户或客户集团的信用状况：额度、敞口、可用额度、逾期和账龄")
    assert all(line.count("`/credit ") == 2 for line in lines), lines
