"""What the manifest declares equals what the app answers, both ways; both are built
from the features' declarations in handlers/registry.py."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from click.testing import CliRunner

from bot.cli import main
from bot.manifest import build_manifest
from bot.slack_app import create_bolt_app
from handlers import delivery, features
from handlers.alerts.payloads import AlertValue, SnoozeValue
from handlers.approvals.decide_payloads import LevelValue, QuestionValue
from handlers.approvals.request_modal import RequestForm
from handlers.approvals.requests_list import RequestValue
from handlers.check.payloads import SubjectValue
from handlers.collections.assign import AssignForm
from handlers.collections.blocks import (
    AccountFormValue,
    AccountValue,
    DisputeFormValue,
    DisputeValue,
    PageValue,
)
from handlers.meetings.followup_payloads import MinutesValue, TaskValue
from handlers.meetings.rsvp_payloads import MeetingValue
from handlers.meetings.scheduling_payloads import FormValue, ListedMeeting
from handlers.orders.payloads import ReleaseValue
from handlers.registry import listener_count
from handlers.sharing.payloads import CardValue, ShareForm
from tests.conftest import ROOT
from tests.e2e.conftest import SALES, SALES_CHANNEL

URL = "https://credit.example.com/slack/events"
# One genuine value per payload model, to press every declared button.
EXAMPLES = {SubjectValue: SubjectValue(kind="customer", id="C0001"),
            AlertValue: AlertValue(digest=1, condition="overdue:C0001"),
            SnoozeValue: SnoozeValue(digest=1, condition="overdue:C0001", days=1),
            RequestValue: RequestValue(request=1), RequestForm: RequestForm(channel=None),
            LevelValue: LevelValue(request=1, level=1),
            QuestionValue: QuestionValue(question=1),
            ReleaseValue: ReleaseValue(order="O1", customer="C0001"),
            AssignForm: AssignForm(customer="C0001"),
            AccountValue: AccountValue(customer="C0001"), PageValue: PageValue(page=2),
            DisputeValue: DisputeValue(customer="C0001", dispute=1),
            AccountFormValue: AccountFormValue(customer="C0001"),
            DisputeFormValue: DisputeFormValue(customer="C0001", dispute=1),
            CardValue: CardValue(kind="customer", id="C0001"),
            ShareForm: ShareForm(kind="customer", id="C0001"),
            MinutesValue: MinutesValue(meeting=1), TaskValue: TaskValue(task=1),
            FormValue: FormValue(channel=None), ListedMeeting: ListedMeeting(meeting=1),
            MeetingValue: MeetingValue(meeting=1)}


def _press(world, action_id: str, value: str) -> int:
    return world.slack.press(SALES, SALES_CHANNEL, {"action_id": action_id, "value": value}
                             )[0].status


def test_everything_the_manifest_declares_is_answered(world):
    manifest = build_manifest(URL)
    [command] = manifest["features"]["slash_commands"]
    reply = world.slack.slash(SALES, SALES_CHANNEL, f"{command['command']} help")
    assert "`/credit check`" in reply.all_text()
    for event in manifest["settings"]["event_subscriptions"]["bot_events"]:
        result = world.slack.event({"type": event, "user": SALES, "tab": "home",
                                    "channel": "D0SALESAMY1", "event_ts": "1.0"})
        assert result.status == 200, event
    for action in features.catalogue().actions:
        action_id = f"{action.action_id}:0" if action.numbered else action.action_id
        assert _press(world, action_id, EXAMPLES[action.payload].encode()) == 200, action_id
    assert world.emulator.wait_for("views.publish")
    for view in features.catalogue().views:
        modal = {"type": "modal", "callback_id": view.callback_id, "blocks": [],
                 "private_metadata": EXAMPLES[view.metadata].encode()}
        assert world.slack.submit(SALES, modal).status == 200, view.callback_id


def test_everything_the_app_answers_is_declared(world):
    catalogue = features.catalogue()
    app = create_bolt_app(world.services)
    # Every Bolt listener comes from the catalogue, which feeds the manifest.
    assert len(app._listeners) == listener_count(catalogue)
    manifest = build_manifest(URL)
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == [
        e.name for e in catalogue.events]
    assert manifest["oauth_config"]["scopes"]["bot"] == catalogue.scopes
    # ...and nothing registers a listener behind the registry's back.
    direct = re.compile(r"\bapp\.(command|action|event|view|shortcut|options|message)\(")
    offenders = [str(path.relative_to(ROOT)) for folder in ("handlers", "bot")
                 for path in (ROOT / folder).rglob("*.py")
                 if direct.search(path.read_text(encoding="utf-8"))
                 and path != ROOT / "handlers" / "registry.py"]
    assert offenders == []


def test_help_lists_every_declared_subcommand(world):
    text = world.slack.slash(SALES, SALES_CHANNEL, "/credit help").all_text()
    for sub in features.catalogue().subcommands:
        assert f"• `/credit {sub.name}`" in text
        for alias in sub.aliases:
            assert f"`/credit {alias}`" in text


def test_nothing_points_outside_the_repository():
    for path in [ROOT / "README.md", *ROOT.joinpath("docs").rglob("*.md"),
                 *(p for folder in ("bot", "handlers", "domain", "storage")
                   for p in (ROOT / folder).rglob("*.py"))]:
        text = Path(path).read_text(encoding="utf-8")
        assert "shared/" not in text and "ENGINEERING.md" not in text, path


def test_the_readme_lists_the_scopes_and_events_the_manifest_declares():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    step = readme[readme.index("Print the app manifest"):readme.index("3. At <https://api")]
    said_events = re.findall(r"`(\w+)`", step[step.index("bot events"):step.index("bot scopes")])
    said_scopes = re.findall(r"`([\w:.]+)`", step[step.index("bot scopes"):step.index("all")])
    catalogue = features.catalogue()
    assert said_events == [e.name for e in catalogue.events]
    assert said_scopes == catalogue.scopes


def test_creditbot_manifest_asks_for_the_scopes_of_the_outbox_sender():
    # handlers.delivery declares no command, button or event, only the scopes the
    # sender's calls need; it is in FEATURES so that a workspace grants them.
    result = CliRunner().invoke(main, ["manifest", "--url", URL])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(result.stdout)["oauth_config"]["scopes"]["bot"] == [
        "commands", "chat:write", "chat:write.public", "users:read",
        "im:write", "channels:history", "groups:history", "im:history", "files:write"]
    assert delivery.FEATURE in features.FEATURES
