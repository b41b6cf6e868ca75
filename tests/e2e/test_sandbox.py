"""`creditbot sandbox --script` replays the demo tour through the real signed path."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main
from tests.conftest import ROOT


def test_the_demo_script_runs_end_to_end(monkeypatch, clock):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "140")
    result = CliRunner().invoke(main, ["sandbox", "--script",
                                       str(ROOT / "examples" / "sandbox-demo.txt")])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "What /credit can do" in out
    assert "“acme” matches several customers. Which one?" in out
    assert "… pressed “Acme Packaging (C0002)”" in out
    assert "… pressed “Share in channel”" in out
    assert "creditbot posted in #sales" in out and "Shared by @U01SALESAMY" in out
    assert "Lakeside Furniture Outlet" in out and "over the limit" in out
    refusal = out[out.index("U0VISITOR01 in #sales> /credit check acme packaging"):]
    assert "Credit data is confidential" in refusal and "USD" not in refusal


def test_the_sandbox_explains_mistakes_instead_of_failing(monkeypatch, clock, tmp_path):
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    script = tmp_path / "oops.txt"
    script.write_text("7\n:as nobody-at-all\n:in #nowhere\n:bogus\n/credit check\n")
    result = CliRunner().invoke(main, ["sandbox", "--script", str(script)])
    assert result.exit_code == 0, result.output
    assert "No such button in the last message." in result.stdout
    assert "No one called “nobody-at-all”" in result.stdout
    assert "No channel “nowhere”" in result.stdout
    assert "Sandbox commands" in result.stdout
    assert "needs a customer id or name" in result.stdout
