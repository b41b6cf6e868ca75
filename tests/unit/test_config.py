from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from tests.conftest import ROOT

GOOD = (ROOT / "app.yaml").read_text(encoding="utf-8")


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return raised.value.problems


def test_the_shipped_config_is_valid():
    config = load_config(ROOT / "app.yaml")
    assert config.organisation.base_currency == "USD"
    assert config.aging.buckets.labels[-1] == "90+"
    assert set(config.departments) >= {"sales", "credit", "finance", "legal"}
    assert config.roles.of("U02CREDITMG") == ["credit_manager"]


def test_a_bad_channel_names_the_key_path_and_line(tmp_path):
    found = problems(tmp_path, GOOD.replace("channel: C01SALES000", "channel: sales-team"))
    assert len(found) == 1
    line = next(i for i, text in enumerate(GOOD.splitlines(), 1) if "C01SALES000" in text)
    assert found[0].startswith(f"line {line}: departments.sales.channel: must look like a "
                               "Slack channel id")


def test_every_problem_is_listed(tmp_path):
    text = (GOOD.replace("base_currency: USD", "base_currency: DOLLARS")
                .replace("timezone: Asia/Shanghai", "timezone: Mars/Olympus")
                .replace("bucket_edges: [30, 60, 90]", "bucket_edges: [30, 20]")
                .replace("credit_manager: [U02CREDITMG]", "credit_manager: [bob]"))
    found = "\n".join(problems(tmp_path, text))
    assert "organisation.base_currency: must be an ISO 4217 currency code" in found
    assert "organisation.timezone: must be an IANA time zone" in found
    assert "aging.bucket_edges: aging bucket edges must be strictly increasing" in found
    assert "roles.credit_manager.0: must look like a Slack user id" in found


def test_missing_and_unknown_keys(tmp_path):
    found = problems(tmp_path, "departments: {}\nroles: {}\nfavourite_colour: blue\n")
    assert "organisation: is required but missing" in found
    assert any(p.endswith("favourite_colour: is not a setting creditbot knows (misspelt?)")
               for p in found)


def test_duplicate_channels_are_refused(tmp_path):
    found = problems(tmp_path, GOOD.replace("channel: C04LEGAL000", "channel: C03CREDIT00"))
    assert any("already the channel of departments.credit" in p for p in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("organisation: [unclosed\n", "not valid YAML"),
     ("- just\n- a list\n", "must be a mapping"),
     ("", "must be a mapping")],
)
def test_unreadable_configs(tmp_path, text, expected):
    assert expected in problems(tmp_path, text)[0]


def test_a_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="CREDITBOT_CONFIG"):
        load_config(tmp_path / "nope.yaml")
