"""organisation.admin_channel: where the sender reports what only an admin can fix."""

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.conftest import ROOT

GOOD = (ROOT / "app.yaml").read_text(encoding="utf-8")


def with_admin_channel(tmp_path: Path, value: str) -> Path:
    text = GOOD.replace("  base_currency:", f"  admin_channel: {value}\n  base_currency:", 1)
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_admin_channel_is_optional():
    assert load_config(ROOT / "app.yaml").organisation.admin_channel is None


def test_an_admin_channel_is_a_channel_id(tmp_path):
    config = load_config(with_admin_channel(tmp_path, "C0ADMINS01"))
    assert config.organisation.admin_channel == "C0ADMINS01"
    with pytest.raises(ConfigError) as raised:
        load_config(with_admin_channel(tmp_path, "admins"))
    [problem] = raised.value.problems
    assert "organisation.admin_channel: must look like a Slack channel id" in problem
    assert 'got "admins"' in problem
