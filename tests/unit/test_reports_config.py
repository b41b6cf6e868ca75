"""The ``reports`` section of app.yaml: provision rates for every aging bucket, months."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.config import load_config
from tests.unit.test_config import GOOD, line_of, problems

RATES = ("reports:\n  months: 6\n  provision_rates:\n    current: 0.5\n    1-30: 2\n"
         "    31-60: 10\n    61-90: 30\n    90+: 75\n")


def _loaded(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_defaults_serve_the_default_buckets(tmp_path):
    config = _loaded(tmp_path, GOOD.split("\nreports:")[0])
    settings = config.reports.settings(config.aging.buckets)
    assert settings.months == 3
    assert settings.provision_rates == {"current": Decimal(1), "1-30": Decimal(3),
                                        "31-60": Decimal(10), "61-90": Decimal(25),
                                        "90+": Decimal(50)}


def test_rates_and_months_as_written(tmp_path):
    config = _loaded(tmp_path, GOOD.split("\nreports:")[0] + "\n" + RATES)
    settings = config.reports.settings(config.aging.buckets)
    assert settings.months == 6
    assert settings.provision_rates == {"current": Decimal("0.5"), "1-30": Decimal(2),
                                        "31-60": Decimal(10), "61-90": Decimal(30),
                                        "90+": Decimal(75)}


def test_a_missing_bucket_an_unknown_one_and_a_rate_out_of_range(tmp_path):
    text = GOOD.split("\nreports:")[0] + "\n" + RATES.replace("    31-60: 10\n", "").replace(
        "    90+: 75\n", "    90+: 120\n    120+: 100\n").replace("months: 6", "months: 0")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'months: 0')}: reports.months: must be a whole number of months "
        "from 1 to 12, e.g. 3, got 0",
        f"line {line_of(text, 'provision_rates:')}: reports.provision_rates: every aging "
        "bucket needs a rate; 31-60 has none (the buckets are current, 1-30, 31-60, 61-90, "
        "90+)",
        f"line {line_of(text, '90+: 120')}: reports.provision_rates.90+: must be a percentage "
        "from 0 to 100 with at most 2 decimals, e.g. 25, got 120",
        f"line {line_of(text, '120+:')}: reports.provision_rates.120+: \"120+\" is not an "
        "aging bucket; the buckets are current, 1-30, 31-60, 61-90, 90+",
    ]


def test_other_buckets_need_their_own_rates(tmp_path):
    base = GOOD.split("\nreports:")[0]
    assert "bucket_edges: [30, 60, 90]" in base
    text = base.replace("bucket_edges: [30, 60, 90]", "bucket_edges: [30, 60]")
    assert problems(tmp_path, text) == [
        "reports: provision_rates is required when aging.bucket_edges is not the default: "
        "give a rate for each bucket (current, 1-30, 31-60, 60+), e.g. provision_rates: "
        "{current: …, 1-30: …, 31-60: …, 60+: …}"]
