"""The collections section of app.yaml: defaults resolve to the collector role and the
credit managers, written rules resolve to user ids, and config check names every rule
or list entry pointing at a department, role or person app.yaml does not have."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bot.config import load_config
from bot.config.collections import CollectionSettings
from domain.collections.assignment import AssignRule
from domain.customer_match import CustomerMatch
from domain.model import Customer
from domain.money import Money
from tests.conftest import ROOT
from tests.unit.test_config import GOOD, line_of, problems


def with_collections(section: str) -> str:
    """app.yaml with its collections section replaced by ``section`` (the last one)."""
    return GOOD.split("\ncollections:\n")[0].rstrip() + "\n\ncollections:\n" + section


def test_the_shipped_section_is_the_default_collector_role_and_credit_managers():
    config = load_config(ROOT / "app.yaml")
    assert config.collections.collectors == CollectionSettings().collectors
    # The shipped file names only the roles it has (collections_lead is not one of them).
    assert config.collections.assigners == ["role:credit_manager"]
    policy = config.collections.policy(dict(config.roles.items()),
                                       {k: list(d.members) for k, d in
                                        config.departments.items()})
    assert policy.collectors == ("U04COLLECT1", "U04COLLECT2")
    assert policy.assigners == frozenset({"U02CREDITMG"})
    assert policy.rules == ()


def test_written_rules_resolve_to_people_and_departments(tmp_path: Path):
    path = tmp_path / "app.yaml"
    path.write_text(with_collections(
        "  collectors: [U04COLLECT2, role:collector]\n"
        "  assigners: [role:credit_manager, U03FINDIR01]\n"
        "  rules:\n"
        "    - when: {department: sales, country: [cn]}\n"
        "      collector: U04COLLECT1\n"), encoding="utf-8")
    config = load_config(path)
    policy = config.collections.policy(dict(config.roles.items()),
                                       {k: list(d.members) for k, d in
                                        config.departments.items()})
    assert policy.collectors == ("U04COLLECT2", "U04COLLECT1")
    assert policy.assigners == frozenset({"U02CREDITMG", "U03FINDIR01"})
    assert policy.rules == (AssignRule("U04COLLECT1", CustomerMatch.of(
        departments=["sales"], countries=["cn"])),)
    customer = Customer("C1", "Acme", Money(Decimal(1), "USD"), 30, country="CN",
                        owner_slack_id="U01SALESAMY")
    # No department of its own: the owner's (sales) counts.
    assert policy.department_of(customer) == "sales"
    assert policy.rules[0].matches(customer, "sales")
    assert not policy.rules[0].matches(customer, "finance")


def test_a_role_written_among_the_assigners_must_be_one_app_yaml_has(tmp_path: Path):
    # credit_manager renamed under roles (a typo) left `role:credit_manager` among the
    # assigners naming nobody: skipped as "a default role", nobody was told. Left out,
    # the defaults still name collections_lead, which the organisation may add later.
    text = with_collections("  assigners: [role:credit_manager, role:collections_lead]\n")
    text = text.replace("  credit_manager: [", "  credit_manger: [")
    found = [p for p in problems(tmp_path, text) if "collections." in p]
    line = line_of(text, "assigners:")
    assert found == [
        f"line {line}: collections.assigners.0: \"role:credit_manager\" is held by nobody; "
        "roles lists \"credit_manger\" instead: correct its spelling there, and its holders "
        "may assign",
        # As the app.yaml earlier versions shipped wrote it: said why it stood before.
        f"line {line}: collections.assigners.1: \"role:collections_lead\" names no role: "
        "earlier versions let it stand for a role not added yet, and it gave nobody the "
        "right; add the role under roles (collections_lead: [U0123ABCDE]) or take it out of "
        "the list"]
    # A role app.yaml lists with nobody under it, and nothing close to it.
    empty = with_collections("  collectors: [role:legal, role:cfo]\n").replace(
        "  cfo: [U03CFO00001]", "  cfo: []")
    assert [p for p in problems(tmp_path, empty) if "collections." in p] == [
        f"line {line_of(empty, 'collectors:')}: collections.collectors.1: \"role:cfo\" is "
        "held by nobody; list its holders under roles, e.g. cfo: [U0123ABCDE]"]
    left_out = tmp_path / "left_out.yaml"
    left_out.write_text(with_collections("  lead: U02CREDITMG\n"), encoding="utf-8")
    assert load_config(left_out).collections.assigners == ["role:credit_manager",
                                                          "role:collections_lead"]


def test_config_check_names_unknown_departments_roles_and_people(tmp_path: Path):
    text = with_collections(
        "  collectors: [role:dunners, U09NOBODY01, collectors]\n"
        "  assigners: [role:credit_manager, U09NOBODY02]\n"
        "  rules:\n"
        "    - when: {department: [sales, treasury]}\n"
        "      collector: U09NOBODY03\n"
        "    - when: {group: HUAXIA}\n"
        "      collector: maria\n")
    roles = ("role:credit_analyst, role:credit_manager, role:finance_director, role:cfo, "
             "role:collector, role:legal, role:sales")
    collectors, assigners = line_of(text, "collectors: [role:dunners"), \
        line_of(text, "assigners:")
    assert problems(tmp_path, text) == sorted([
        f"line {collectors}: collections.collectors.0: \"role:dunners\" names no role; use one "
        f"of {roles}",
        f"line {collectors}: collections.collectors.1: U09NOBODY01 is not listed under "
        "departments or roles, so may not see credit data; list them there first",
        f"line {collectors}: collections.collectors.2: \"collectors\" is not a person; write "
        "role:<name> (everyone holding the role) or Slack user ids such as U0123ABCDE",
        f"line {assigners}: collections.assigners.1: U09NOBODY02 is not listed under "
        "departments or roles, so may not see credit data; list them there first",
        f"line {line_of(text, 'treasury')}: collections.rules.0.when.department.1: "
        "\"treasury\" is not a department; use a key under departments (sales, credit, "
        "finance, legal, logistics)",
        f"line {line_of(text, 'U09NOBODY03')}: collections.rules.0.collector: U09NOBODY03 is "
        "not listed under departments or roles, so may not see credit data; list them "
        "there first",
        f"line {line_of(text, 'collector: maria')}: collections.rules.1.collector: must look "
        "like a Slack user id (U or W and 8+ capitals/digits, e.g. U0123ABCDE), got "
        "\"maria\"; copy it from the person's profile in Slack",
    ], key=lambda p: int(p.split(":")[0].split()[1]))


def test_an_assigner_credit_data_is_closed_to_is_said_to_be_unable_to_assign(tmp_path: Path):
    # Said as a collector's ("cannot be given accounts to collect") of someone who assigns.
    text = with_collections("  assigners: [U01SALESAMY]\n").replace(
        "  credit_data:\n    roles: []", "  credit_data:\n    roles: [credit_manager, collector]")
    assert [p for p in problems(tmp_path, text) if ": collections." in p] == [
        f"line {line_of(text, 'assigners:')}: collections.assigners.0: U01SALESAMY may not "
        "see credit data (access.credit_data), so cannot assign accounts; add their role or "
        "department to access.credit_data, or name someone who may"]
