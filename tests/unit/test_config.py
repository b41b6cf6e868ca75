import os
from decimal import Decimal
from pathlib import Path

import pytest

from bot.config import AppConfig, ConfigError, load_config
from bot.config.schema import Roles
from tests.conftest import ROOT

GOOD = (ROOT / "app.yaml").read_text(encoding="utf-8")
USER_ID = ("must look like a Slack user id (U or W and 8+ capitals/digits, e.g. U0123ABCDE), "
           "got {}; copy it from the person's profile in Slack")


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return raised.value.problems


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_shipped_config_is_valid():
    config = load_config(ROOT / "app.yaml")
    assert config.organisation.base_currency == "USD"
    assert config.aging.buckets.labels[-1] == "90+"
    assert set(config.departments) >= {"sales", "credit", "finance", "legal"}
    assert config.roles.of("U02CREDITMG") == ["credit_manager"]


def test_a_bad_channel_names_the_key_path_line_and_value(tmp_path):
    found = problems(tmp_path, GOOD.replace("channel: C01SALES000", "channel: sales-team"))
    assert found == [
        f"line {line_of(GOOD, 'C01SALES000')}: departments.sales.channel: must look like a "
        "Slack channel id (C or G and 8+ capitals/digits, e.g. C0123ABCDE), got \"sales-team\"; "
        "copy it from the channel's details in Slack"]


def test_every_problem_is_listed_with_the_value_written(tmp_path):
    text = (GOOD.replace("base_currency: USD", "base_currency: DOLLARS")
                .replace("timezone: Asia/Shanghai", "timezone: Mars/Olympus")
                .replace("bucket_edges: [30, 60, 90]", "bucket_edges: [30, 20]")
                .replace("credit_manager: [U02CREDITMG]", "credit_manager: [bob]"))
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'DOLLARS')}: organisation.base_currency: must be an ISO 4217 "
        "currency code such as USD, EUR or CNY, got \"DOLLARS\"",
        f"line {line_of(text, 'Mars')}: organisation.timezone: must be an IANA time zone such "
        "as Asia/Shanghai or Europe/Berlin, got \"Mars/Olympus\"",
        f"line {line_of(text, '[bob]')}: roles.credit_manager.0: " + USER_ID.format('"bob"'),
        f"line {line_of(text, '[30, 20]')}: aging.bucket_edges: aging bucket edges must be "
        "strictly increasing (e.g. [30, 60, 90]), got [30, 20]",
    ]


def test_approval_cards_may_reach_only_people_and_channels_cleared_for_credit_data(
        tmp_path):
    # The finance director's level-2 card showed every figure to someone
    # access.credit_data left out, whose buttons then refused them: nobody could decide.
    text = GOOD.replace("  credit_data:\n    roles: []\n    departments: []\n",
                        "  credit_data:\n    roles: [credit_manager, credit_analyst, sales, "
                        "cfo, collector, legal]\n    departments: []\n").replace(
        "{role: credit_manager, deadline_hours: 24, post_to: credit}\n      - up_to: 500000",
        "{role: credit_manager, deadline_hours: 24, post_to: logistics}\n      - up_to: "
        "500000", 1)
    levels = [i for i, line in enumerate(text.splitlines(), 1) if "finance_director," in line]
    assert problems(tmp_path, text) == [
        # The finance director's department: its channel gets alerts and the report.
        f"line {line_of(text, 'channel: C02FINANCE0')}: departments.finance.channel: the "
        "\"finance\" channel is not open to credit data (some of its members may not see "
        "it, or access.credit_data.share_channels leaves it out), yet by default alerts and "
        "the weekly collections report would be posted there with the customers' figures; "
        "say where they go instead (alerts.routes, reports.post_to, collections.legal_"
        "department), or let all its members see credit data (their department or "
        "roles in access.credit_data)",
        f"line {line_of(text, 'post_to: logistics')}: approvals.limit_increase.bands.0."
        "levels.0.post_to: the \"logistics\" channel is not open to credit data (some of "
        "its members may not see it, or access.credit_data.share_channels leaves it out), "
        "and the cards posted there show the customer's figures; post to a department "
        "whose channel is, or leave post_to out to send the cards to the role's holders by "
        "direct message (the same line counts for approvals.temporary_limit.bands.0.levels."
        "0.post_to, approvals.first_limit.bands.0.levels.0.post_to)",
        f"lines {', '.join(map(str, levels[:-1]))} and {levels[-1]}: "
        "approvals.*.bands.*.levels.1.role: U03FINDIR01 may not see credit data "
        "(access.credit_data), but holds \"finance_director\", whose cards show the "
        "customer's figures; add the role to access.credit_data.roles, or name a role "
        "whose holders may see them"]


def test_escalating_to_the_only_holder_of_a_later_level_is_refused(tmp_path):
    # The README's own example did it: the finance director, escalated level 1, could
    # only reject it, since approving would leave level 2 (theirs) to nobody.
    text = GOOD.replace(
        "          - {role: credit_manager, deadline_hours: 24, post_to: credit}\n"
        "          - {role: finance_director, deadline_hours: 48, escalate_to: cfo}",
        "          - {role: credit_manager, deadline_hours: 24, escalate_to: finance_director}\n"
        "          - {role: finance_director, deadline_hours: 48}", 1)
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'escalate_to: finance_director')}: approvals.limit_increase."
        "bands.1.levels.0.escalate_to: U03FINDIR01, the only holder of \"finance_director\", "
        "decides level 2 of this band too: nobody decides two levels of one request, "
        "so after the deadline they could only reject this one; escalate to a role that "
        "decides no later level, list a second holder of the role, or give level 2 an "
        "escalate_to of its own (the same line counts for approvals.temporary_limit.bands.1."
        "levels.0.escalate_to, approvals.first_limit.bands.1.levels.0.escalate_to)"]
    # The same person under another role's name is the same trap.
    treasurer = GOOD.replace("  cfo: [U03CFO00001]\n",
                             "  cfo: [U03CFO00001]\n  treasurer: [U03CFO00001]\n").replace(
        "          - {role: finance_director, deadline_hours: 48}\n"
        "          - {role: cfo, deadline_hours: 72}",
        "          - {role: finance_director, deadline_hours: 48, escalate_to: treasurer}\n"
        "          - {role: cfo, deadline_hours: 72}", 1)
    assert "escalate_to: treasurer" in treasurer
    [said] = [p for p in problems(tmp_path, treasurer) if "treasurer" in p]
    assert said.startswith(
        f"line {line_of(treasurer, 'escalate_to: treasurer')}: approvals.limit_increase."
        "bands.2.levels.1.escalate_to: U03CFO00001, the only holder of \"treasurer\", "
        "decides level 3 of this band too:")
    # Level 2 escalating to the CFO (as shipped) leaves it someone after all.
    assert load_config(_written(tmp_path, text.replace(
        "          - {role: finance_director, deadline_hours: 48}\n",
        "          - {role: finance_director, deadline_hours: 48, escalate_to: cfo}\n", 1))
    ).roles.of("U03FINDIR01") == ["finance_director"]
    # A second finance director could decide level 2 after the first took level 1.
    assert load_config(_written(tmp_path, text.replace(
        "finance_director: [U03FINDIR01]", "finance_director: [U03FINDIR01, U03FINDIR02]"))
    ).roles.of("U03FINDIR02") == ["finance_director"]


def test_escalating_to_the_levels_own_role_is_refused(tmp_path):
    text = GOOD.replace("{role: finance_director, deadline_hours: 48, escalate_to: cfo}",
                        "{role: finance_director, deadline_hours: 48, "
                        "escalate_to: finance_director}", 1)
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'escalate_to: finance_director')}: approvals.limit_increase."
        "bands.1.levels.1.escalate_to: \"finance_director\" is this level's own role: after "
        "the deadline nobody new could decide it; name another role, or leave escalate_to "
        "out (the same line counts for approvals.temporary_limit.bands.1.levels.1."
        "escalate_to, approvals.first_limit.bands.1.levels.1.escalate_to)"]


def test_a_yes_or_no_where_a_number_belongs_is_refused_not_read_as_1_or_0(tmp_path):
    # YAML reads yes/no/on/off as booleans, which pydantic would take as 1 and 0.
    text = (GOOD.replace("max_days_overdue: 30 ", "max_days_overdue: yes")
                .replace("bucket_edges: [30, 60, 90]", "bucket_edges: [30, on, 90]")
                .replace("contract_notice_days: 30", "contract_notice_days: no")
                .replace("on_hold: true ", "on_hold: off  "))
    said = "not a yes or no (YAML reads yes, no, on, off, true and false so)"
    found = problems(tmp_path, text)
    assert found == [
        f"line {line_of(text, '[30, on, 90]')}: aging.bucket_edges: must be "
        f"{_description('aging', 'bucket_edges')}, {said}",
        f"line {line_of(text, 'contract_notice_days')}: alerts.contract_notice_days: must be "
        f"{_description('alerts', 'contract_notice_days')}, {said}",
        f"line {line_of(text, 'max_days_overdue')}: orders.max_days_overdue: must be a whole "
        "number of days from 0 to 3650, e.g. 30, or null not to check overdue invoices, "
        f"{said}"]


def _description(section: str, field: str) -> str:
    model = AppConfig.model_fields[section].annotation
    return str(model.model_fields[field].description)  # type: ignore[union-attr]


def test_a_currency_written_by_its_name_and_a_number_out_of_range_say_the_fix(tmp_path):
    # "got -1" after "whole days, e.g. 3" did not say what was wrong with -1; "RMB" is
    # what a Chinese finance team writes, and the import says it is written CNY.
    text = (GOOD.replace("base_currency: USD", "base_currency: RMB")
                .replace("\ncollections:\n", "\ncollections:\n  promise_grace_days: -1\n"
                         "  stale_after_days: 400\n", 1))
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'RMB')}: organisation.base_currency: must be an ISO 4217 "
        "currency code such as USD, EUR or CNY, got \"RMB\" (\"RMB\" is written CNY)",
        f"line {line_of(text, 'promise_grace_days')}: collections.promise_grace_days: must "
        "be whole days, e.g. 3, got -1: the least is 0",
        f"line {line_of(text, 'stale_after_days')}: collections.stale_after_days: must be "
        "whole days, e.g. 14, got 400: the most is 365",
    ]


def test_a_bad_section_does_not_hide_problems_in_the_others(tmp_path):
    # Before: a field error in organisation stopped validation before the checks that
    # compare sections, so the duplicate channel and the unknown names went unreported.
    text = (GOOD.replace("base_currency: USD", "base_currency: US")
                .replace("channel: C04LEGAL000", "channel: C03CREDIT00")
                .replace("    roles: []", "    roles: [auditor]")
                .replace("    departments: []", "    departments: [sales, treasury]"))
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'base_currency')}: organisation.base_currency: must be an ISO "
        "4217 currency code such as USD, EUR or CNY, got \"US\"",
        f"line {_key_line(text, 'legal', 'channel:')}: "
        "departments.legal.channel: C03CREDIT00 is already the channel of departments.credit; "
        "each department needs its own",
        f"line {line_of(text, '[auditor]')}: access.credit_data.roles.0: \"auditor\" is not a "
        "role; use one of credit_analyst, credit_manager, finance_director, cfo, collector, "
        "legal, sales, or list its holders under roles",
        f"line {line_of(text, 'treasury')}: access.credit_data.departments.1: \"treasury\" is "
        "not a department; use a key under departments: sales, credit, finance, legal, logistics",
    ]


def test_wrong_shapes_are_explained_in_plain_words(tmp_path):
    text = (GOOD.replace("bucket_edges: [30, 60, 90]", "bucket_edges: [30, sixty, 90.5]")
                .replace("locale: en-US", "locale: english")
                .replace("  cfo: [U03CFO00001]", "  cfo: U03CFO00001")
                .replace("    members: [U05LEGAL001]", "    members:")
                .replace("    name: Logistics\n", "    name: ''\n"))
    found = problems(tmp_path, text)
    assert found == [
        f"line {line_of(text, 'locale')}: organisation.locale: must be a language tag such as "
        "en-US or zh-CN, got \"english\"",
        f"line {_key_line(text, 'legal', 'members:')}: "
        "departments.legal.members: must be a list of Slack user ids, e.g. [U0123ABCDE, "
        "U0456FGHIJ], got nothing",
        f"line {line_of(text, chr(39) * 2)}: departments.logistics.name: must not be empty; "
        "write the department's name, e.g. Credit Management",
        f"line {line_of(text, 'cfo: U03')}: roles.cfo: must be a list of Slack user ids, e.g. "
        "[U0123ABCDE, U0456FGHIJ], got \"U03CFO00001\"",
        f"line {line_of(text, 'sixty')}: aging.bucket_edges.1: must be a whole number of days, "
        "got \"sixty\"",
        f"line {line_of(text, 'sixty')}: aging.bucket_edges.2: must be a whole number of days, "
        "got 90.5",
    ]
    for raw in ("Input should", "Field required", "valid list", "valid integer"):
        assert raw not in "\n".join(found)


def _key_line(text: str, department: str, key: str) -> int:
    """The line of ``key`` under ``departments.<department>``."""
    lines = text.splitlines()
    start = lines.index(f"  {department}:") + 1
    return next(i for i, line in enumerate(lines, 1) if i > start and key in line)


def test_sections_of_the_wrong_kind(tmp_path):
    text = ("organisation: Northwind\ndepartments: [sales]\nroles: [cfo]\naging: 30\n"
            "access:\n  credit_data:\n    share_channels: C01SALES000\n")
    assert problems(tmp_path, text) == [
        "line 1: organisation: must be a section with name, base_currency, timezone and "
        "locale, got \"Northwind\"",
        "line 2: departments: must be a mapping from a short key (e.g. sales) to the "
        "department's name, channel and members, got [\"sales\"]",
        "line 3: roles: must be a mapping from role name to the Slack user ids who hold it, "
        "e.g. credit_manager: [U0123ABCDE], got [\"cfo\"]",
        "line 4: aging: must be a section with bucket_edges, got 30",
        "line 7: access.credit_data.share_channels: must be a list of Slack channel ids, e.g. "
        "[C0123ABCDE, C0456FGHIJ], got \"C01SALES000\"",
    ]


def test_roles_are_an_open_mapping_with_checked_names_and_ids(tmp_path):
    text = GOOD.replace("  sales: [U01SALESAMY, U01SALESBEN, U01SALESCHO]\n",
                        "  sales: [U01SALESAMY, U01SALESBEN, U01SALESCHO]\n"
                        "  treasurer: [U03FINDIR01]\n"
                        "  Risk Officer: [U03FINDIR01]\n"
                        "  auditor: [12345]\n"
                        "  controller:\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'Risk Officer')}: roles.Risk Officer: role names are lower-case "
        "words joined by _, got \"Risk Officer\": write it risk_officer",
        f"line {line_of(text, 'auditor')}: roles.auditor.0: must be a Slack user id such as "
        "U0123ABCDE, got 12345",
        f"line {line_of(text, 'controller')}: roles.controller: must be a list of Slack user "
        "ids, e.g. [U0123ABCDE, U0456FGHIJ], got nothing",
    ]
    custom = load_config(_written(tmp_path, GOOD.replace(
        "  legal: [U05LEGAL001]\n", "  legal: [U05LEGAL001]\n  treasurer: [U03FINDIR01]\n")
        # Collectors, the collections lead and legal's owner get cards, so they must be
        # cleared too, and so are the approvers, whose cards show the figures.
        .replace("    roles: []", "    roles: [treasurer, collector, legal, credit_manager, "
                 "credit_analyst, finance_director, cfo]")))
    assert custom.roles.holders("treasurer") == ["U03FINDIR01"]
    assert custom.roles.names()[-1] == "treasurer"


def test_a_threshold_with_more_decimals_than_the_base_currency_has_is_refused(tmp_path):
    # ¥10,000,000.5 as a band's edge passed `config check` in a yen company, though no
    # amount can fall between and the commands refuse such an amount as typed.
    text = (GOOD.replace("base_currency: USD", "base_currency: JPY")
            .replace("up_to: 50000", "up_to: 50000.5", 1)
            .replace("large_invoice: 100000", "large_invoice: 100000.50"))
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'large_invoice: ')}: alerts.large_invoice: 100000.50 has more "
        "decimals than JPY, the base currency, has: write it like 100000",
        f"line {line_of(text, 'up_to: 50000.5')}: approvals.limit_increase.bands.0.up_to: "
        "50000.5 has more decimals than JPY, the base currency, has: write it like 50000 "
        "(the same line counts for approvals.temporary_limit.bands.0.up_to, "
        "approvals.first_limit.bands.0.up_to)"]
    # Cents in a base currency that has them are amounts like any other.
    in_dollars = text.replace("base_currency: JPY", "base_currency: USD")
    assert load_config(_written(tmp_path, in_dollars)).alerts.large_invoice == Decimal(
        "100000.50")


def _written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_and_unknown_keys(tmp_path):
    assert problems(tmp_path, "departments: {}\nroles: {}\nfavourite_colour: blue\n") == [
        "organisation: is required but missing; add it: a section with name, base_currency, "
        "timezone and locale",
        "line 3: favourite_colour: is not a setting creditbot knows (misspelt?); the settings "
        "here are: organisation, departments, roles, aging, access, people, schedules, "
        "scheduler, alerts, approvals, orders, collections, reports, meetings",
    ]
    text = GOOD.replace("    name: Sales\n", "    nmae: Sales\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'sales:')}: departments.sales.name: is required but missing; add "
        "it: the department's name, e.g. Credit Management",
        f"line {line_of(text, 'nmae')}: departments.sales.nmae: is not a setting creditbot "
        "knows (misspelt?); the settings here are: name, channel, members, locale",
    ]
    # A letter off a setting's name: that name is offered.
    text = GOOD.replace("base_currency:", "base_curency:")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'organisation:')}: organisation.base_currency: is required but "
        "missing; add it: an ISO 4217 currency code such as USD, EUR or CNY",
        f"line {line_of(text, 'base_curency')}: organisation.base_curency: is not a setting "
        "creditbot knows: did you mean base_currency? The settings here are: name, "
        "base_currency, timezone, locale, admin_channel",
    ]


def test_the_model_still_refuses_what_the_loader_reports(tmp_path):
    data = {"organisation": {"name": "X", "base_currency": "USD"},
            "departments": {"a": {"name": "A", "channel": "C01SALES000"},
                            "b": {"name": "B", "channel": "C01SALES000"}}}
    with pytest.raises(ValueError) as raised:
        AppConfig.model_validate(data)
    assert raised.value.errors()[0]["msg"] == (  # type: ignore[attr-defined]
        "departments.b.channel: C01SALES000 is already the channel of departments.a; each "
        "department needs its own")
    with pytest.raises(ValueError, match="role names are lower-case"):
        Roles.model_validate({"Bad Name": []})


@pytest.mark.parametrize(
    ("text", "expected"),
    [("organisation: [unclosed\n", "not valid YAML"),
     ("- just\n- a list\n", "must be a mapping"),
     ("", "is empty (or only comments)")],
)
def test_unreadable_configs(tmp_path, text, expected):
    assert expected in problems(tmp_path, text)[0]


@pytest.mark.parametrize(("text", "expected"), [
    # The quote opened on line 2 is found open only at the end of the file: line 2 is
    # the one to fix.
    ('organisation:\n  name: "Northwind\n  base_currency: USD\ndepartments: {}\n',
     "line 2, column 9: not valid YAML: a quoted value starts here and is not closed (found "
     "unexpected end of stream at line 5)"),
    # Not the block's first key: YAML's own mark is the block's start (line 2).
    ('organisation:\n  name: Northwind\n  base_currency: "USD\n  timezone: "UTC"\n'
     'departments: {}\n',
     "line 3: not valid YAML: a quote on this line is not closed, so YAML read on to line 4 "
     "(expected <block end>, but found '<scalar>')"),
    ("roles:\n  cfo: [U0CFO00001,\n  legal: [U0LAW00001]\n",
     "line 2, column 8: not valid YAML: what starts here runs on to line 4, where YAML "
     "stopped (expected ',' or ']', but got '<stream end>'): a quote or a bracket on this "
     "line is likely not closed"),
    ("organisation:\n\tname: X\n",
     "line 2, column 1: not valid YAML (found character '\\t' that cannot start any token; "
     "indent with spaces, YAML takes no tabs)"),
    # Every schedule is quoted: the open one closes on the next line, and YAML stumbles
    # there; the line to fix is the one above.
    ('schedules:\n  alerts: "0 8 * * mon-fri    # overdue alerts\n'
     '  approvals: "*/15 * * * *"\n',
     "line 2: not valid YAML: a quote on this line is not closed, so YAML read on to line 3 "
     "(expected alphabetic or numeric character, but found '/')"),
    ('meetings:\n  reminders_before: ["1d, "15m"]\n',
     "line 2: not valid YAML: a quote on this line is not closed (expected ',' or ']', but "
     "got '<scalar>')"),
])
def test_a_yaml_mistake_is_placed_where_it_was_made(tmp_path, text, expected):
    assert problems(tmp_path, text) == [expected]


def test_a_pipe_or_a_huge_file_is_not_read(tmp_path):
    fifo = tmp_path / "app.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError) as refused:
        load_config(fifo)
    assert refused.value.problems == [
        "is not a regular file (a pipe or a device): give the path of app.yaml"]
    huge = tmp_path / "huge.yaml"
    huge.write_text("#" * 1_000_001)
    with pytest.raises(ConfigError) as refused:
        load_config(huge)
    assert refused.value.problems == [
        "is 1,000,001 bytes, where a configuration is a few thousand: is this app.yaml?"]


def test_a_missing_file_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="CREDITBOT_CONFIG"):
        load_config(tmp_path / "nope.yaml")


def test_odd_yaml_is_explained_once_each(tmp_path):
    text = ("organisation: {name: X, base_currency: USD}\n"
            "departments:\n"
            "  1: {name: A, channel: C01SALES000}\n"
            "access: {credit_data: {roles: [1, boss], departments: [null, x]}}\n")
    assert problems(tmp_path, text) == [
        "line 3: departments.1: 1 cannot be a key here: keys are names such as sales or "
        "credit_manager (put a number in quotes)",
        "line 4: access.credit_data.roles.0: must be a role name, got 1",
        "line 4: access.credit_data.departments.0: must be a department key such as sales, "
        "got nothing",
        "line 4: access.credit_data.departments.1: \"x\" is not a department; use a key under "
        "departments: 1",
        "line 4: access.credit_data.roles.1: \"boss\" is not a role; use one of credit_analyst, "
        "credit_manager, finance_director, cfo, collector, legal, sales, or list its holders "
        "under roles",
    ]
    assert problems(tmp_path, "organisation: {name: X, base_currency: USD}\ndepartments: {}\n"
                              "access: {credit_data: {departments: [x]}}\n") == [
        "line 3: access.credit_data.departments.0: \"x\" is not a department; there are no "
        "departments yet"]


def test_a_folder_is_not_a_config(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert raised.value.problems == ["is a folder, not a file: give the path of app.yaml"]


def test_languages_per_person_and_per_channel(tmp_path):
    from bot.config import load_config

    text = (ROOT / "app.yaml").read_text(encoding="utf-8")
    text = text.replace("    channel: C01SALES000\n",
                        "    channel: C01SALES000\n    locale: zh-CN\n")
    text += "\npeople:\n  U01SALESAMY: {locale: zh-CN}\n  U02CREDITMG: {}\n"
    path = tmp_path / "app.yaml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    assert config.locale_overrides() == {"U01SALESAMY": "zh-CN"}
    assert config.channel_locales() == {"C01SALES000": "zh-CN"}
    path.write_text(text.replace("{locale: zh-CN}\n  U02", "{locale: chinese}\n  U02"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    line = text.splitlines().index("  U01SALESAMY: {locale: zh-CN}") + 1
    assert refused.value.problems == [
        f'line {line}: people.U01SALESAMY.locale: must be a language tag such as en-US or '
        'zh-CN, got "chinese"']
    path.write_text(text.replace("{locale: zh-CN}\n  U02", "{locale: de}\n  U02"),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert refused.value.problems == [
        f'line {line}: people.U01SALESAMY.locale: must be a language creditbot speaks: '
        'English (en, en-US, en-GB…) or Chinese (zh-CN, zh-TW…), got "de"']


def test_channels_open_to_credit_data_by_default_are_those_whose_members_may_see_it(tmp_path):
    """access.credit_data.departments left logistics out, yet every department's channel
    was open: a card could be shared there, and an alert routed to a customer's own
    department posted its figures there."""
    path = tmp_path / "app.yaml"
    path.write_text(GOOD.replace(
        "access:\n  credit_data:\n    roles: []\n    departments: []\n",
        "access:\n  credit_data:\n    roles: []\n    departments: [sales, credit, finance, "
        "legal]\n"), encoding="utf-8")
    config = load_config(path)
    channels = {key: d.channel for key, d in config.departments.items()}
    assert config.share_channels() == frozenset(
        channels[k] for k in ("sales", "credit", "finance", "legal"))
    # Open to everyone listed (the shipped app.yaml): every department's channel.
    assert load_config(ROOT / "app.yaml").share_channels() == frozenset(channels.values())


def test_the_share_form_offers_only_channels_open_to_credit_data(tmp_path):
    # The warehouse's channel was offered beside the open ones, only to be refused.
    from types import SimpleNamespace

    from bot.slack_app import share_destinations

    path = tmp_path / "app.yaml"
    path.write_text(GOOD.replace(
        "access:\n  credit_data:\n    roles: []\n    departments: []\n",
        "access:\n  credit_data:\n    roles: []\n"
        "    departments: [sales, credit, finance, legal]\n"),
        encoding="utf-8")
    config = load_config(path)
    offered = share_destinations(SimpleNamespace(config=config))  # type: ignore[arg-type]
    assert offered == {config.departments[k].channel: config.departments[k].name
                       for k in ("sales", "credit", "finance", "legal")}


@pytest.mark.parametrize(("written", "code"), [('"Rmb "', "CNY"), ("ＲＭＢ", "CNY"),
                                               ("usd", "USD"), ("人民币", "CNY")])
def test_a_currency_written_otherwise_is_named_by_its_code(tmp_path, written, code):
    text = GOOD.replace("base_currency: USD", f"base_currency: {written}")
    value = written.strip('"')
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'base_currency')}: organisation.base_currency: must be an ISO "
        f"4217 currency code such as USD, EUR or CNY, got \"{value}\" (\"{value}\" is "
        f"written {code})"]


@pytest.mark.parametrize("zone", ["Asia", "localtime", "posixrules", "right/UTC"])
def test_a_folder_or_a_servers_own_zone_is_no_time_zone(tmp_path, zone):
    # "timezone: Asia" printed "error: Is a directory: …/tzdata/zoneinfo/Asia" and no line;
    # localtime would be whatever clock the server runs on.
    text = GOOD.replace("timezone: Asia/Shanghai", f"timezone: {zone}")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'timezone: ')}: organisation.timezone: must be an IANA time "
        f"zone such as Asia/Shanghai or Europe/Berlin, got \"{zone}\""]


@pytest.mark.parametrize(("zone", "meant"), [
    ("asia/shanghai", "Asia/Shanghai"), ("Shanghai", "Asia/Shanghai"),
    ("Beijing", "Asia/Shanghai"), ("Asia/Beijing", "Asia/Shanghai"),
    ("new york", "America/New_York"),
    ("EUROPE/BERLIN", "Europe/Berlin")])
def test_a_zone_written_another_way_is_refused_with_its_iana_name(tmp_path, zone, meant):
    # "must be an IANA time zone" alone left the operator to find out how IANA writes it.
    text = GOOD.replace("timezone: Asia/Shanghai", f"timezone: {zone}")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'timezone: ')}: organisation.timezone: must be an IANA time "
        f"zone, written as IANA writes it: {meant}, got \"{zone}\""]


@pytest.mark.parametrize("zone", ["GMT+8", "UTC-05:00", "+08:00", "utc+5"])
def test_an_offset_is_refused_as_no_place(tmp_path, zone):
    text = GOOD.replace("timezone: Asia/Shanghai", f'timezone: "{zone}"')
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'timezone: ')}: organisation.timezone: \"{zone}\" is an offset "
        "from UTC, not a place: write the zone of the place whose clock is meant, which "
        "keeps its summer time, e.g. Asia/Shanghai for UTC+08:00 or Europe/Berlin for "
        "UTC+01:00"]


@pytest.mark.parametrize(("zone", "meant"), [
    ("EST", "America/New_York (America/Panama if no summer time is meant)"),
    ("MST", "America/Denver (America/Phoenix, which keeps no summer time)"),
    ("HST", "Pacific/Honolulu (the same clock, named by its place)")])
def test_a_fixed_offset_abbreviation_is_refused_with_the_place_to_write(tmp_path, zone,
                                                                          meant):
    # "EST" was taken: -05:00 all year, so a New York company's days turned over at 23:00
    # local time for eight months of the year.
    text = GOOD.replace("timezone: Asia/Shanghai", f"timezone: {zone}")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, zone)}: organisation.timezone: \"{zone}\" is an abbreviation "
        f"that keeps no summer time, not a place: write the place's own zone, e.g. {meant}"]
    # CET keeps the EU's summer time: a legacy name, but the right clock.
    path = tmp_path / "cet.yaml"
    path.write_text(GOOD.replace("timezone: Asia/Shanghai", "timezone: CET"), encoding="utf-8")
    assert load_config(path).organisation.timezone == "CET"


@pytest.mark.parametrize(("zone", "meant"), [
    ("JST", "Asia/Tokyo"), ("hkt", "Asia/Hong_Kong"),
    ("CST", "America/Chicago (US Central) or Asia/Shanghai (China Standard Time)"),
    ("IST", "Asia/Kolkata (India), Europe/Dublin (Ireland) or Asia/Jerusalem (Israel)")])
def test_an_abbreviation_iana_does_not_name_is_answered_with_its_place(tmp_path, zone,
                                                                         meant):
    # "JST" got "must be an IANA time zone such as Asia/Shanghai or Europe/Berlin": no
    # hint of Tokyo, where EST, MST and HST had theirs.
    text = GOOD.replace("timezone: Asia/Shanghai", f"timezone: {zone}")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'timezone: ')}: organisation.timezone: \"{zone}\" is an "
        "abbreviation, not a place: write the place's own zone, which keeps its summer "
        f"time, e.g. {meant}"]


@pytest.mark.parametrize(("zone", "offset"), [("Etc/GMT+5", "UTC-05:00"),
                                              ("Etc/GMT-8", "UTC+08:00"),
                                              ("Etc/GMT-14", "UTC+14:00")])
def test_a_posix_offset_zone_is_refused_with_its_real_offset(tmp_path, zone, offset):
    # "Etc/GMT+5" was taken: POSIX counts west as positive, so a company meaning UTC+5
    # ran every day and schedule ten hours off.
    text = GOOD.replace("timezone: Asia/Shanghai", f"timezone: {zone}")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, zone)}: organisation.timezone: \"{zone}\" is {offset} (these "
        "names turn the sign round) and keeps no summer time: write the zone of the place "
        "whose clock is meant, such as Asia/Shanghai or America/Bogota"]
    # UTC by any of its names is no trap.
    for name in ("Etc/GMT", "Etc/GMT+0", "UTC", "Etc/UTC"):
        path = tmp_path / "utc.yaml"
        path.write_text(GOOD.replace("timezone: Asia/Shanghai", f"timezone: {name}"),
                        encoding="utf-8")
        assert load_config(path).organisation.timezone == name


def test_a_file_not_in_utf8_says_where_and_how_to_save_it(tmp_path):
    # "latin1.yaml: is not UTF-8 text", with no line, no byte and no fix.
    text = GOOD.replace("name: Northwind Trading Co.", "name: Müller GmbH")
    latin = tmp_path / "latin1.yaml"
    latin.write_bytes(text.encode("latin-1"))
    with pytest.raises(ConfigError) as raised:
        load_config(latin)
    assert raised.value.problems == [
        f"line {line_of(text, 'Müller')}: byte 0xfc is not UTF-8 text: save the file as "
        "UTF-8 (an editor's \"UTF-8\" encoding, not ANSI, Latin-1 or GBK)"]
    for encoding in ("utf-16", "utf-16-be"):  # with its byte-order mark, and without
        wide = tmp_path / f"{encoding}.yaml"
        wide.write_bytes(GOOD.encode(encoding))
        with pytest.raises(ConfigError) as raised:
            load_config(wide)
        assert raised.value.problems == [
            "is UTF-16 text (what some editors call \"Unicode\"): save it as UTF-8"]


def test_an_amount_with_a_thousands_point_is_refused_with_what_it_reads_as(tmp_path):
    # YAML reads 25.000 as 25: a €5,000 request went to the CFO, and every overdue invoice
    # over 50 was "large". The chat refuses the same spelling.
    text = (GOOD.replace("up_to: 50000", "up_to: 50.000", 1)
                .replace("large_invoice: 100000", "large_invoice: 100.000"))
    assert text != GOOD and "50.000" in text and "100.000" in text
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'large_invoice: 100.000')}: alerts.large_invoice: “100.000” "
        "reads as 100 (a point is YAML's decimal point); for 100000, write 100000",
        f"line {line_of(text, 'up_to: 50.000')}: approvals.limit_increase.bands.0.up_to: "
        "“50.000” reads as 50 (a point is YAML's decimal point); for 50000, write 50000 (the "
        "same line counts for approvals.temporary_limit.bands.0.up_to, "
        "approvals.first_limit.bands.0.up_to)"]
    # Decimals as decimals stay what they are.
    assert load_config(_written(tmp_path, GOOD.replace("large_invoice: 100000",
                                                      "large_invoice: 100000.50"))
                       ).alerts.large_invoice == Decimal("100000.50")


def _written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "written.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_utilisation_threshold_written_as_a_fraction_is_refused(tmp_path):
    # at: 0.9 meant 90 %: customers at 66 % were posted as critical, their managers told.
    text = GOOD.replace("{at: 80, severity: warning}", "{at: 0.8, severity: warning}")
    assert text != GOOD
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'at: 0.8')}: alerts.utilisation.0.at: “0.8” is 0.8 % (a share "
        "written as a fraction?); for 80 %, write 80"]


def test_posts_app_yaml_sends_to_a_channel_closed_to_credit_data_are_refused(tmp_path):
    # A warehouse channel access.credit_data leaves out got the digests, the weekly report
    # and legal cases, with every figure, and config check said OK.
    text = GOOD.replace("  credit_data:\n    roles: []\n    departments: []\n",
                        "  credit_data:\n    roles: []\n    departments: [sales, credit, "
                        "finance, legal]\n").replace(
        "alerts:\n", "alerts:\n  routes:\n    - when: {type: overdue}\n"
                     "      channels: [finance, logistics]\n", 1).replace(
        "reports:\n", "reports:\n  post_to: logistics\n", 1).replace(
        "collections:\n", "collections:\n  legal_department: logistics\n", 1)
    closed = ("the \"logistics\" channel is not open to credit data (some of its members may "
              "not see it, or access.credit_data.share_channels leaves it out), yet {what} "
              "would be posted there with the customers' figures; {elsewhere}, or let all its "
              "members see credit data (their department or roles in access.credit_data)")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'members: [U06LOGIST01]')}: departments.logistics.members.0: "
        "U06LOGIST01 may not see credit data (access.credit_data), so cannot be given "
        "accounts to collect; add their role or department to access.credit_data, or name "
        "someone who may (legal's owner of escalated accounts is the legal department's "
        "first member)",
        f"line {line_of(text, '[finance, logistics]')}: alerts.routes.0.channels.1: "
        + closed.format(what="alerts", elsewhere="route them to a department whose channel "
                                                 "is"),
        f"line {line_of(text, 'post_to: logistics')}: reports.post_to: "
        + closed.format(what="the weekly collections report",
                        elsewhere="name in reports.post_to a department whose channel is"),
        f"line {line_of(text, 'legal_department: logistics')}: collections.legal_department: "
        + closed.format(what="legal cases, with their invoices",
                        elsewhere="name in collections.legal_department a department "
                                  "whose channel is")]
    # The same destinations in channels open to credit data are fine.
    fine = text.replace("[finance, logistics]", "[finance]").replace(
        "post_to: logistics", "post_to: finance").replace(
        "legal_department: logistics", "legal_department: legal")
    (tmp_path / "app.yaml").write_text(fine, encoding="utf-8")
    assert load_config(tmp_path / "app.yaml").reports.post_to == "finance"


def test_a_channel_share_channels_leaves_out_is_opened_there(tmp_path):
    # With share_channels written, its members' clearance opens nothing: the advice to
    # clear them led nowhere.
    text = GOOD.replace("  credit_data:\n    roles: []\n    departments: []\n",
                        "  credit_data:\n    roles: []\n    departments: []\n"
                        "    share_channels: [C01SALES000, C03CREDIT00, C02FINANCE0, "
                        "C04LEGAL000]\n").replace(
        "reports:\n", "reports:\n  post_to: logistics\n", 1)
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'post_to: logistics')}: reports.post_to: the \"logistics\" "
        "channel is not open to credit data (some of its members may not see it, or "
        "access.credit_data.share_channels leaves it out), yet the weekly collections "
        "report would be posted there with the customers' figures; name in reports.post_to "
        "a department whose channel is, or add its channel to "
        "access.credit_data.share_channels, if all its members may see the figures"]


def test_a_channel_named_by_its_id_is_checked_as_its_department_is(tmp_path):
    # A route naming the warehouse's channel by its id passed config check: the full
    # digests went there. The admins' channel is not judged (with the default routes or a
    # catch-all, no alert is unrouted, and an operators' channel was refused for it).
    text = GOOD.replace("  credit_data:\n    roles: []\n    departments: []\n",
                        "  credit_data:\n    roles: []\n    departments: [sales, credit, "
                        "finance, legal]\n").replace(
        "  locale: en-US\n", "  locale: en-US\n  admin_channel: C05LOGISTIC\n", 1).replace(
        "alerts:\n", "alerts:\n  routes:\n    - when: {type: overdue}\n"
                     "      channels: [finance, C05LOGISTIC, C0ELSEWHERE]\n", 1)
    # A channel no department has is Slack's to know (C0ELSEWHERE): not judged.
    assert problems(tmp_path, text) == [
        f"line {line_of(text, '[finance, C05LOGISTIC')}: alerts.routes.0.channels.1: the "
        "\"C05LOGISTIC\" channel is not open to credit data (some of its members may not "
        "see it, or access.credit_data.share_channels leaves it out), yet alerts would be "
        "posted there with the customers' figures; route them to a department whose "
        "channel is, or let all its members see credit data (their department or roles in "
        "access.credit_data)"]
    # With share_channels written, the list alone says which are open, whoever the
    # members: the credit department's channel left out of it gets risk alerts by default.
    listed = GOOD.replace("  credit_data:\n    roles: []\n    departments: []\n",
                          "  credit_data:\n    roles: []\n    departments: []\n"
                          "    share_channels: [C01SALES000, C02FINANCE0, C04LEGAL000]\n"
                          ).replace("post_to: credit", "post_to: finance")
    assert problems(tmp_path, listed) == [
        f"line {line_of(listed, 'channel: C03CREDIT00')}: departments.credit.channel: the "
        "\"credit\" channel is not open to credit data (some of its members may not see "
        "it, or access.credit_data.share_channels leaves it out), yet by default alerts "
        "would be posted there with the customers' figures; say where they go instead "
        "(alerts.routes, reports.post_to, collections.legal_department), or add its channel "
        "to access.credit_data.share_channels, if all its members may see the figures"]
    # Routed elsewhere, it is valid; the notes of accounts nobody owns, which no setting
    # moves, then go nowhere rather than to it.
    from types import SimpleNamespace

    from handlers.approvals.jobs import deadlines

    routed = listed.replace("alerts:\n", "alerts:\n  routes:\n    - when: {}\n"
                                          "      channels: [finance]\n", 1)
    (tmp_path / "app.yaml").write_text(routed, encoding="utf-8")
    config = load_config(tmp_path / "app.yaml")
    requests = SimpleNamespace(unit_of_work=None, policy=None, roster=None, clock=None,
                               zone=None, notices=None, standing=None, access=None)
    assert deadlines(requests, config, lambda _: "en-US").limit_notices.stand_in is None  # type: ignore[arg-type]
    (tmp_path / "app.yaml").write_text(GOOD, encoding="utf-8")
    assert deadlines(requests, load_config(tmp_path / "app.yaml"),  # type: ignore[arg-type]
                     lambda _: "en-US").limit_notices.stand_in == "C03CREDIT00"
