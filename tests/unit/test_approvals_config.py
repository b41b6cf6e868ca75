"""The approvals section of app.yaml: the shipped file is the shipped default, a written
policy routes as written, and config check explains every band or level that cannot
work with its line and how to write it."""

from __future__ import annotations

from datetime import UTC, date, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import AppConfig, load_config
from domain.approvals.model import Basis, Level, RequestKind
from domain.approvals.policy import ApprovalPolicy, Band, KindPolicy
from domain.working_time import WorkingHours, WorkingTime
from tests.conftest import ROOT
from tests.unit.test_config import GOOD, line_of, problems

BASE = GOOD.split("\napprovals:")[0]


def with_approvals(section: str) -> str:
    return BASE.rstrip() + "\n\napprovals:\n" + section


def test_the_shipped_section_is_the_readmes_policy():
    """The shipped app.yaml routes as README's example: the credit manager's levels are
    posted to #credit, the finance director's middle-band level escalates to the CFO;
    otherwise the domain's defaults."""
    config = load_config(ROOT / "app.yaml")
    shipped = config.approvals.policy("USD", UTC)
    limits = shipped.of(RequestKind.LIMIT_INCREASE)
    assert [[(lv.role, lv.deadline_hours, lv.escalate_to, lv.post_to) for lv in b.levels]
            for b in limits.bands] == [
        [("credit_manager", 24, None, "credit")],
        [("credit_manager", 24, None, "credit"), ("finance_director", 48, "cfo", None)],
        [("credit_manager", 24, None, "credit"), ("finance_director", 48, None, None),
         ("cfo", 72, None, None)]]
    assert [b.up_to for b in limits.bands] == [50000, 500000, None]
    for kind in (RequestKind.TEMPORARY_LIMIT, RequestKind.FIRST_LIMIT):
        assert shipped.of(kind) == limits
    for kind in (RequestKind.ORDER_RELEASE, RequestKind.TERMS_CHANGE):
        assert shipped.of(kind) == ApprovalPolicy("USD").of(kind)
    left_out = AppConfig.model_validate({**config.model_dump(), "approvals": {}})
    assert left_out.approvals.policy("USD", UTC).kinds == {}
    assert left_out.approvals.policy("USD", UTC).of(RequestKind.ORDER_RELEASE) == \
        ApprovalPolicy("USD").of(RequestKind.ORDER_RELEASE)


def test_a_written_policy_routes_as_written(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(with_approvals(
        "  first_limit:\n"
        "    basis: increase\n"
        "    bands:\n"
        "      - up_to: 10000\n"
        "        levels: [{role: credit_analyst, deadline_hours: 8}]\n"
        "      - levels:\n"
        "          - {role: credit_manager, deadline_hours: 24, escalate_to: cfo}\n"),
        encoding="utf-8")
    policy = load_config(path).approvals.policy("USD", UTC)
    assert policy.kinds == {RequestKind.FIRST_LIMIT: KindPolicy((
        Band(Decimal(10000), (Level("credit_analyst", 8),)),
        Band(None, (Level("credit_manager", 24, "cfo"),))), Basis.INCREASE)}


def test_bands_that_do_not_rise_or_leave_a_gap_are_explained(tmp_path: Path):
    text = with_approvals(
        "  limit_increase:\n"
        "    bands:\n"
        "      - up_to: 50000\n"
        "        levels: [{role: credit_manager, deadline_hours: 24}]\n"
        "      - levels: [{role: finance_director, deadline_hours: 48}]\n"
        "      - up_to: 40000\n"
        "        levels: [{role: cfo, deadline_hours: 72}]\n"
        "  order_release:\n"
        "    bands:\n"
        "      - up_to: 50000\n"
        "        levels: [{role: credit_manager, deadline_hours: 4}]\n")
    first = line_of(text, "      - levels: [{role: finance")
    assert problems(tmp_path, text) == [
        f"line {first}: approvals.limit_increase.bands.1: only the last band may leave out "
        "up_to (it takes every amount above the others); give this band an up_to",
        f"line {first + 1}: approvals.limit_increase.bands.2.up_to: bands must rise: 40000 "
        "is not above 50000, the up_to of the band before",
        f"line {first + 5}: approvals.order_release.bands.0.up_to: the last band must leave "
        "out up_to, so that amounts above 50000 have a route too (an amount with no band is "
        "a gap); remove up_to here or add a band with levels only",
    ]


def test_roles_nobody_holds_and_a_role_deciding_twice_are_explained(tmp_path: Path):
    text = with_approvals(
        "  terms_change:\n"
        "    bands:\n"
        "      - levels:\n"
        "          - {role: credit_manager, deadline_hours: 24, escalate_to: treasurer}\n"
        "          - {role: credit_manager, deadline_hours: 48}\n"
        "          - {role: legal_counsel, deadline_hours: 48}\n"
    ).replace("  legal: [U05LEGAL001]\n", "  legal: []\n")
    held = ("credit_analyst, credit_manager, finance_director, cfo, collector, sales")
    line = line_of(text, "escalate_to: treasurer")
    assert problems(tmp_path, text) == [
        f"line {line}: approvals.terms_change.bands.0.levels.0.escalate_to: nobody holds "
        f"the role \"treasurer\"; list its holders under roles, or use one of {held}",
        f"line {line + 1}: approvals.terms_change.bands.0.levels.1.role: \"credit_manager\" "
        "already decides level 1 of this band, and nobody may decide two levels of one "
        "request; name another role",
        f"line {line + 2}: approvals.terms_change.bands.0.levels.2.role: nobody holds the "
        f"role \"legal_counsel\"; list its holders under roles, or use one of {held}",
    ]
    # A standard role is no exception: legal is listed but nobody holds it now. Its
    # roles line is where the fix goes, and is named.
    text = with_approvals(
        "  terms_change:\n"
        "    bands:\n"
        "      - levels: [{role: legal, deadline_hours: 24}]\n"
    ).replace("  legal: [U05LEGAL001]\n", "  legal: []\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'legal: []')}: roles.legal: the approval rules name "
        "\"legal\", but nobody is listed under it: add its holders here",
        f"line {line_of(text, 'role: legal,')}: approvals.terms_change.bands.0.levels.0.role: "
        "nobody holds the role \"legal\"; roles lists it with nobody under it: add its "
        "holders there"]


def test_a_misspelt_role_whose_right_spelling_nobody_holds_is_recognised(tmp_path: Path):
    # "cfoo" in the rules and "cfo: []" under roles: the spelling and the empty list
    # are both said (the suggestions of held roles left out cfo, as nobody holds it).
    text = with_approvals(
        "  terms_change:\n"
        "    bands:\n"
        "      - levels: [{role: cfoo, deadline_hours: 24}]\n"
    ).replace("  cfo: [U03CFO00001]\n", "  cfo: []\n")
    assert "  cfo: []\n" in text
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'role: cfoo,')}: approvals.terms_change.bands.0.levels.0.role: "
        "nobody holds the role \"cfoo\"; did you mean \"cfo\"? roles lists it with nobody "
        "under it: add its holders there"]


RULE = "approvals.terms_change.bands.0.levels.0."


@pytest.mark.parametrize(("level", "said"), [
    # "cfoo" in the rules beside "cfo" under roles: the roles line is right (cfo is a
    # standard role), so only the rule's line is said, with the spelling to use.
    ("role: cfoo, deadline_hours: 24", [
        ("role: cfoo,", "role: nobody holds the role \"cfoo\"; did you mean \"cfo\", which "
                        "roles lists?")]),
    # "CFO" was said twice at its line: no role name, and nobody holds it.
    ("role: CFO, deadline_hours: 24, escalate_to: Credit-Manager", [
        ("role: CFO,", "role: role names are lower-case words joined by _, got \"CFO\": "
                       "write it cfo"),
        ("role: CFO,", "escalate_to: role names are lower-case words joined by _, got "
                       "\"Credit-Manager\": write it credit_manager")]),
    # "geschäftsführer" was refused as no role name with no spelling to write instead.
    ("role: Geschäftsführer, deadline_hours: 24", [
        ("Geschäftsführer", "role: role names are lower-case words joined by _, got "
                            "\"Geschäftsführer\": write it geschaeftsfuehrer")]),
])
def test_a_role_misspelt_in_a_rule_is_said_at_its_line_with_its_spelling(
        tmp_path: Path, level: str, said: list[tuple[str, str]]):
    text = with_approvals("  terms_change:\n    bands:\n      - levels: [{" + level + "}]\n")
    assert problems(tmp_path, text) == [f"line {line_of(text, at)}: {RULE}{what}"
                                        for at, what in said]


def misspelt_manager(text: str) -> str:
    """What config check says at the roles line of ``text``'s misspelt credit manager."""
    return (f"line {line_of(text, 'credit_manger:')}: roles.credit_manger: the approval "
            "rules name \"credit_manager\", which nobody holds and differs from "
            "\"credit_manger\" by a letter or two: if they mean the same role, write it the "
            "same way here and in the rules")


def test_a_typo_under_roles_is_said_at_its_line_and_an_alias_once(tmp_path: Path):
    # A new user's typo in credit_manager gave 12 copies of "nobody holds the role", three
    # per line (the temporary and first limits use the increase's bands through a YAML
    # alias), and never the line with the typo.
    text = with_approvals(
        "  limit_increase: &increase\n"
        "    bands:\n"
        "      - levels: [{role: credit_manager, deadline_hours: 24}]\n"
        "  temporary_limit: *increase\n"
    ).replace("  credit_manager: [U02CREDITMG]\n", "  credit_manger: [U02CREDITMG]\n")
    assert problems(tmp_path, text) == [
        misspelt_manager(text),
        f"line {line_of(text, 'role: credit_manager')}: approvals.limit_increase.bands.0."
        "levels.0.role: nobody holds the role \"credit_manager\"; roles lists "
        "\"credit_manger\" instead: correct its spelling there, and this level is held (the "
        "same line counts for approvals.temporary_limit.bands.0.levels.0.role)",
    ]


def test_one_problem_on_many_lines_is_one_entry_listing_them(tmp_path: Path):
    # The shipped app.yaml with its credit manager's role misspelt gave the typo's line
    # and seven more, one per level naming the role, each offering the typo as a role to
    # use: the line to fix was buried. The same problem is one entry with its lines.
    text = (ROOT / "app.yaml").read_text(encoding="utf-8").replace(
        "  credit_manager: [U02CREDITMG]\n", "  credit_manger: [U02CREDITMG]\n")
    lines = [n for n, row in enumerate(text.splitlines(), 1)
             if "role: credit_manager," in row]
    assert len(lines) == 7
    assert problems(tmp_path, text) == [
        misspelt_manager(text),
        f"lines {', '.join(map(str, lines[:-1]))} and {lines[-1]}: approvals.*.bands.*."
        "levels.0.role: nobody holds the role \"credit_manager\"; roles lists "
        "\"credit_manger\" instead: correct its spelling there, and this level is held",
        f"line {line_of(text, 'assigners:')}: collections.assigners.0: "
        "\"role:credit_manager\" is held by nobody; roles lists \"credit_manger\" instead: "
        "correct its spelling there, and its holders may assign",
    ]


def test_a_problem_in_a_merged_mapping_is_said_once_at_its_line(tmp_path: Path):
    # A level merged into another (`<<: *first`) was said again at the merging line,
    # which does not hold the role, and not folded with the line that does.
    text = with_approvals(
        "  limit_increase:\n"
        "    bands:\n"
        "      - up_to: 50000\n"
        "        levels: [&first {role: credit_managr, deadline_hours: 24}]\n"
        "      - levels:\n"
        "          - {<<: *first, deadline_hours: 48}\n"
    )
    assert problems(tmp_path, text)[-1:] == [
        f"line {line_of(text, '&first')}: approvals.limit_increase.bands.0.levels.0.role: "
        f"nobody holds the role \"credit_managr\"; did you mean \"credit_manager\", which "
        "roles lists? (the same line counts for approvals.limit_increase.bands.1.levels.0."
        "role)"]
    # Several mappings merged that each hold the key: which one wins is the loader's to
    # say, and the merging line is named (a line holding another value was named).
    listed = text.replace("levels: [&first {role: credit_managr, deadline_hours: 24}]",
                          "levels: [&first {role: credit_managr, deadline_hours: -1}]"
                          ).replace("{<<: *first, deadline_hours: 48}",
                                    "{<<: [*first, {deadline_hours: 0}]}")
    [merged] = [p for p in problems(tmp_path, listed) if "bands.1.levels.0.deadline" in p]
    assert merged.startswith(f"line {line_of(listed, '{<<: [*first')}: approvals."
                             "limit_increase.bands.1.levels.0.deadline_hours: must be"), merged
    # A key written beside the merge is said at its own line.
    text = text.replace("{<<: *first, deadline_hours: 48}",
                        "{<<: *first, deadline_hours: -1}")
    assert f"line {line_of(text, 'deadline_hours: -1')}: approvals.limit_increase.bands.1." \
        "levels.0.deadline_hours" in "\n".join(problems(tmp_path, text))


def test_unknown_kinds_and_bad_values_say_how_to_write_them(tmp_path: Path):
    text = with_approvals(
        "  limit_raise:\n"
        "    bands: []\n"
        "  order_release:\n"
        "    basis: total\n"
        "    bands:\n"
        "      - levels: [{role: credit_manager, deadline_hours: 0}]\n"
        "  first_limit:\n"
        "    basis: net\n"
        "    bands:\n"
        "      - up_to: -5\n"
        "        levels: []\n"
        "      - levels: [{role: cfo, deadline_hours: 24}]\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'limit_raise')}: approvals.limit_raise: is not a setting "
        "creditbot knows (misspelt?); the settings here are: limit_increase, "
        "temporary_limit, first_limit, order_release, terms_change, remind_before_hours, "
        "working_time",
        f"line {line_of(text, 'basis: total')}: approvals.order_release.basis: is not a "
        "setting creditbot knows (misspelt?); the settings here are: bands",
        f"line {line_of(text, 'deadline_hours: 0')}: approvals.order_release.bands.0.levels.0."
        "deadline_hours: must be a whole number of hours from 1 to 720, e.g. 24, got 0",
        f"line {line_of(text, 'basis: net')}: approvals.first_limit.basis: must be increase "
        "(the bands compare the new limit minus the current one) or total (they compare the "
        "new limit), got \"net\"",
        f"line {line_of(text, 'up_to: -5')}: approvals.first_limit.bands.0.up_to: must be an "
        "amount in the base currency, e.g. 50000 (leave it out on the last band, which takes "
        "every amount above), got -5: it must be more than 0",
        f"line {line_of(text, 'levels: []')}: approvals.first_limit.bands.0.levels: must be a "
        "list of levels, each a role and its deadline, e.g. [{role: credit_manager, "
        "deadline_hours: 24}, {role: finance_director, deadline_hours: 48}], got []",
    ]


def test_the_model_refuses_what_the_loader_reports():
    data = load_config(ROOT / "app.yaml").model_dump()
    data["approvals"] = {"terms_change": {"bands": [
        {"up_to": 10, "levels": [{"role": "credit_manager", "deadline_hours": 1}]}]}}
    with pytest.raises(ValueError) as raised:
        AppConfig.model_validate(data)
    assert raised.value.errors()[0]["msg"] == (  # type: ignore[attr-defined]
        "approvals.terms_change.bands.0.up_to: the last band must leave out up_to, so that "
        "amounts above 10 have a route too (an amount with no band is a gap); remove up_to "
        "here or add a band with levels only")


def test_the_roster_comes_from_roles_and_departments():
    roster = load_config(ROOT / "app.yaml").roster()
    assert roster.member("U03FINDIR01").roles == frozenset({"finance_director"})
    assert roster.member("U03FINDIR01").departments == frozenset({"finance"})
    assert roster.holders()["credit_manager"] == ("U02CREDITMG",)


def test_post_to_names_a_department_and_routes_the_card_there(tmp_path: Path):
    text = with_approvals(
        "  order_release:\n"
        "    bands:\n"
        "      - levels:\n"
        "          - {role: credit_manager, deadline_hours: 4, post_to: credit}\n"
        "          - {role: finance_director, deadline_hours: 8, post_to: treasury}\n")
    departments = "credit, finance, legal, logistics, sales"
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'post_to: treasury')}: approvals.order_release.bands.0.levels."
        "1.post_to: no department is called \"treasury\"; name one listed under departments "
        f"({departments}), or leave post_to out to send the card to each holder of the role "
        "by direct message"]
    path = tmp_path / "good.yaml"
    path.write_text(text.replace("post_to: treasury", "post_to: finance"), encoding="utf-8")
    route = load_config(path).approvals.policy("USD", UTC).of(RequestKind.ORDER_RELEASE)
    assert [(level.role, level.post_to) for level in route.bands[0].levels] == [
        ("credit_manager", "credit"), ("finance_director", "finance")]


def test_the_model_refuses_a_post_to_naming_no_department():
    data = load_config(ROOT / "app.yaml").model_dump()
    data["approvals"] = {"terms_change": {"bands": [
        {"levels": [{"role": "credit_manager", "deadline_hours": 1, "post_to": "nowhere"}]}]}}
    with pytest.raises(ValueError) as raised:
        AppConfig.model_validate(data)
    assert raised.value.errors()[0]["msg"].startswith(  # type: ignore[attr-defined]
        "approvals.terms_change.bands.0.levels.0.post_to: no department is called "
        "\"nowhere\"")


def test_working_time_is_read_in_the_organisations_zone(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(with_approvals(
        "  working_time:\n"
        "    hours: {start: \"08:30\", end: \"17:30\"}\n"
        "    days: [Monday, tue, wed, thu]\n"
        "    holidays: [2027-01-01, \"2027-02-17\"]\n"), encoding="utf-8")
    zone = ZoneInfo("Asia/Shanghai")
    working = load_config(path).approvals.policy("USD", zone).working_time
    assert working == WorkingTime(WorkingHours(time(8, 30), time(17, 30),
                                               frozenset({0, 1, 2, 3})),
                                  zone, frozenset({date(2027, 1, 1), date(2027, 2, 17)}))
    # Left out: every hour of the clock counts.
    path.write_text(with_approvals("  remind_before_hours: 2\n"), encoding="utf-8")
    assert load_config(path).approvals.policy("USD", zone).working_time is None


def test_bad_working_time_says_how_to_write_it(tmp_path: Path):
    text = with_approvals(
        "  working_time:\n"
        "    hours: {start: \"18:00\", end: \"09:00\"}\n"
        "    days: [mon, funday]\n"
        "    holidays: [2027-01-01, next friday, 2027-01-02 10:00]\n"
        "    weekends: no\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, '18:00')}: approvals.working_time.hours: the working hours "
        "must end after they start (both on the same day), e.g. start \"08:00\" and end "
        "\"19:00\"; got 18:00 to 09:00",
        f"line {line_of(text, 'funday')}: approvals.working_time.days: \"funday\" is not a "
        "weekday; write mon, tue, wed, thu, fri, sat or sun",
        f"line {line_of(text, 'next friday')}: approvals.working_time.holidays: \"next friday\", "
        "\"2027-01-02 10:00\" are not dates; write each holiday as YYYY-MM-DD, "
        "e.g. 2027-01-01",
        f"line {line_of(text, 'weekends:')}: approvals.working_time.weekends: is not a "
        "setting creditbot knows (misspelt?); the settings here are: hours, days, holidays",
    ]


def test_working_time_mistakes_yaml_hides_are_explained(tmp_path: Path):
    # An impossible date stopped config check with a traceback from the YAML reader; an
    # unquoted 18:00 is a number in YAML 1.1; "monkey" passed as a Monday.
    text = with_approvals(
        "  working_time:\n"
        "    hours: {start: \"09:00\", end: 18:00}\n"
        "    days: [mon, monkey]\n"
        "    holidays: [2027-02-30]\n")
    assert problems(tmp_path, text) == [
        f"line {line_of(text, 'end: 18:00')}: approvals.working_time.hours.end: write the "
        "time of day in quotes, e.g. \"18:00\": unquoted, YAML reads it as the number 1080",
        f"line {line_of(text, 'monkey')}: approvals.working_time.days: \"monkey\" is not a "
        "weekday; write mon, tue, wed, thu, fri, sat or sun",
        f"line {line_of(text, '2027-02-30')}: approvals.working_time.holidays: "
        "\"2027-02-30\" is not a date; write each holiday as YYYY-MM-DD, e.g. "
        "2027-01-01",
    ]
    # As Germany writes a day: told the one date it can be.
    assert problems(tmp_path, with_approvals("  working_time:\n    holidays: [24.12.2026]\n"
                                             )) == [
        "line 120: approvals.working_time.holidays: \"24.12.2026\" is not a date; write "
        "it 2026-12-24 (each holiday as YYYY-MM-DD)"]
    for written in ("20270101", "2027-W01-5"):
        assert problems(tmp_path, with_approvals(
            f"  working_time:\n    holidays: [\"{written}\"]\n")) == [
            f"line 120: approvals.working_time.holidays: \"{written}\" is not a date; write "
            "each holiday as YYYY-MM-DD, e.g. 2027-01-01"]
    assert problems(tmp_path, with_approvals(
        "  working_time:\n    holidays: [2027-02-30, tomorrow, 2027-01-01]\n")) == [
        "line 120: approvals.working_time.holidays: \"2027-02-30\", \"tomorrow\" are not "
        "dates; write each holiday as YYYY-MM-DD, e.g. 2027-01-01"]
    assert problems(tmp_path, with_approvals(
        "  working_time:\n    hours: {start: \"09:00\", end: \"09:30\"}\n")) == [
        "line 120: approvals.working_time.hours: the working hours must last an hour at "
        "least, e.g. start \"08:00\" and end \"19:00\"; got 09:00 to 09:30"]


def test_places_of_one_problem_are_named_by_their_common_key():
    from bot.config.loader import _once_per_line
    said = _once_per_line([
        (3, ("a", "x", "b"), "wrong"), (7, ("a", "y", "b"), "wrong"),
        (9, ("c",), "other"), (None, ("d",), "wrong"),
        (11, ("a", "z"), "again"), (12, ("a", "z", "q"), "again"),
    ])
    # Places of different shapes, or in different sections, are named ("a.z and 1 more"
    # hid that the other was in another section).
    assert said == ["d: wrong", "lines 3 and 7: a.*.b: wrong", "line 9: c: other",
                    "lines 11 and 12: a.z and a.z.q: again"]
    across = _once_per_line([(102, ("alerts", "routes", 0, "people", 0), "U9 unlisted"),
                             (198, ("collections", "collectors", 4), "U9 unlisted")])
    assert across == ["lines 102 and 198: alerts.routes.0.people.0 and "
                      "collections.collectors.4: U9 unlisted"]
    # Hundreds of lines: the first ten, the rest counted.
    many = _once_per_line([(n, ("r", n), "same") for n in range(1, 401)])
    assert many == ["lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 390 more: r.*: same"]
