"""`creditbot portfolio`, `creditbot position` (customers and groups) and `creditbot demo`,
on SQLite and PostgreSQL, checked against the figures the domain computes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from click.testing import CliRunner

from bot.cli import main
from bot.wiring import build_services
from domain.money import Money
from domain.positions import group_position, portfolio_positions, portfolio_totals
from tests.conftest import ROOT

NOW = datetime(2026, 11, 29, 3, tzinfo=UTC)
DAY = date(2026, 11, 29)  # in Shanghai, the demo organisation's zone


@pytest.fixture
def cli(monkeypatch, database_url):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CREDITBOT_CONFIG", str(ROOT / "app.yaml"))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str):
        with time_machine.travel(NOW, tick=False):
            return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def demo(cli):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    services = build_services()
    yield services
    services.close()


def _amount(money: Money) -> str:
    return money.format().split(" ", 1)[1]


def _rows(output: str) -> list[str]:
    """The portfolio's customer lines, as ids in the order printed."""
    return re.findall(r"\((C\d{4}|[A-Z]\d)\)", output)


def test_an_empty_database_gets_a_hint(cli):
    result = cli("portfolio")
    assert result.exit_code == 0
    assert result.stdout == ("no customers yet: creditbot import customers FILE.csv, "
                             "or creditbot demo\n")


@pytest.mark.parametrize("columns", [80, 50])
def test_amounts_are_never_cut_in_a_narrow_terminal(cli, demo, monkeypatch, columns):
    # At 80 columns the names wrap; at 50 even the amounts do not fit, and the table is
    # printed as wide as they need (the terminal wraps its lines), never cut.
    monkeypatch.setenv("COLUMNS", str(columns))
    result = cli("portfolio", "--top", "0")
    assert result.exit_code == 0
    with demo.uow() as uow:
        entries = portfolio_positions(uow, DAY, demo.policy)
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80
    printed = _records(result.stdout)
    for entry in entries:
        position = entry.position
        assert position is not None
        oldest = position.aging.oldest_overdue_days
        assert printed[entry.customer.customer_id] == [
            position.limit.currency, _amount(position.limit), _amount(position.exposure),
            _amount(position.available), _amount(position.aging.overdue),
            "—" if position.utilisation is None else f"{int(position.utilisation * 100):,}%",
            f"{oldest}d" if oldest else "—"]


def _records(output: str) -> dict[str, list[str]]:
    """Customer id -> the figures of its row; a name may wrap over the lines below it."""
    records: list[tuple[list[str], list[str]]] = []
    for line in output.splitlines():
        words = line.split()
        if len(words) >= 8 and re.fullmatch(r"[A-Z]{3}", words[-7]):
            records.append((words[:-7], words[-7:]))
        elif records and words:
            records[-1][0].extend(words)
    found = {}
    for name, figures in records:
        ids = re.findall(r"\((C\d{4})\)", "".join(name))
        if ids:
            found[ids[0]] = figures
    return found


def test_rows_come_in_the_order_the_help_and_footer_name(cli, demo):
    help_text = " ".join(cli("portfolio", "--help").stdout.split())
    assert "highest utilisation (exposure as a share of the limit) first" in help_text
    result = cli("portfolio", "--top", "15")
    footer = " ".join(result.stdout.split())
    assert ("15 of 50 customers, highest utilisation (exposure as a share of the limit) first. "
            "Totals: all 50 customers in USD, at the latest rates on or before 2026-11-29."
            in footer)
    with demo.uow() as uow:
        entries = portfolio_positions(uow, DAY, demo.policy)
    by_use = sorted(entries, key=lambda e: -(e.position.utilisation or 0))  # type: ignore[union-attr]
    assert _rows(result.stdout) == [e.customer.customer_id for e in by_use[:15]]
    assert _rows(result.stdout)[2] == "C0013"  # over its limit, near the top


def test_totals_are_in_the_base_currency_over_every_customer(cli, demo):
    result = cli("portfolio", "--top", "3")
    with demo.uow() as uow:
        totals = portfolio_totals(portfolio_positions(uow, DAY, demo.policy), "USD")
    total_line = next(line for line in result.stdout.splitlines() if line.startswith("Total"))
    assert total_line.split() == ["Total,", "50", "customers", "USD", _amount(totals.limit),
                                  _amount(totals.exposure), _amount(totals.overdue)]
    assert totals.counted == 50 and totals.limit.amount > 0


def test_a_missing_rate_marks_only_the_customers_it_spoils(cli, write_csv):
    assert cli("db", "upgrade").exit_code == 0
    customers = write_csv("customers.csv",
                          "customer_id,name,currency,credit_limit,payment_terms_days\n"
                          "U1,Ulm Tools,USD,1000.00,30\n"
                          "U2,Utah Mining,USD,5000.00,30\n"
                          "G1,Glasgow Mills,GBP,3000.00,30\n")
    invoices = write_csv("invoices.csv",
                         "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                         "I1,U1,2026-09-01,2026-10-01,400.00,USD\n"
                         "I2,U2,2026-11-01,2026-12-15,100.00,GBP\n"
                         "I3,G1,2026-09-01,2026-10-01,700.00,GBP\n")
    for kind, path in (("customers", customers), ("invoices", invoices)):
        assert cli("import", kind, str(path)).exit_code == 0
    result = cli("portfolio")
    assert result.exit_code == 0
    lines = [" ".join(line.split()) for line in result.stdout.splitlines()]
    assert lines[3:9] == [
        "Utah Mining (U2) USD 5,000.00 — — — — —",
        "no USD rate for GBP",
        "Ulm Tools (U1) USD 1,000.00 400.00 600.00 400.00 40% 59d",
        "Glasgow Mills (G1) GBP 3,000.00 700.00 2,300.00 700.00 23% 59d",
        "no USD rate for GBP",
        "",
    ]
    assert lines[9:11] == ["Total, 1 customer USD 1,000.00 400.00 400.00",
                           "leaves out 2: no USD rate for GBP"]
    assert ("Totals: 1 of 3 customers in USD, at the latest rates on or before 2026-11-29."
            in " ".join(lines))


def test_one_invoice_and_no_orders_read_as_english(cli, write_csv):
    """It said "(1 invoices)"."""
    assert cli("db", "upgrade").exit_code == 0
    customers = write_csv("customers.csv",
                          "customer_id,name,currency,credit_limit,payment_terms_days\n"
                          "U1,Ulm Tools,USD,1000.00,30\n")
    invoices = write_csv("invoices.csv",
                         "invoice_id,customer_id,issue_date,due_date,amount,currency\n"
                         "I1,U1,2026-11-01,2026-12-01,400.00,USD\n")
    for kind, path in (("customers", customers), ("invoices", invoices)):
        assert cli("import", kind, str(path)).exit_code == 0
    lines = [" ".join(line.replace("│", " ").split())
             for line in cli("position", "U1").stdout.splitlines()]
    assert "Open invoices USD 400.00 (1 invoice)" in lines
    assert "Open orders USD 0.00 (0 orders)" in lines


def test_a_group_id_shows_the_pooled_position_and_its_members(cli, demo):
    result = cli("position", "HUAXIA")
    assert result.exit_code == 0, result.output
    with demo.uow() as uow:
        members, pooled = group_position(uow, "HUAXIA", "USD", DAY, demo.policy)
    out = result.stdout
    assert out.splitlines()[0].rstrip() == "Group HUAXIA: 3 members, pooled in USD"
    for label, figure in (("Credit limit (sum)", pooled.limit), ("Exposure", pooled.exposure),
                          ("Available credit", pooled.available),
                          ("Overdue", pooled.aging.overdue)):
        assert re.search(rf"│ {re.escape(label)} +│ +{re.escape(figure.format())} │", out), label
    assert [m.customer_id for m in members] == _rows(out) == ["C0028", "C0026", "C0027"]
    assert "Members, each in its credit currency" in out
    nordic = cli("position", "nordic-hold").stdout
    assert nordic.splitlines()[0].rstrip() == "Group NORDIC-HOLD: 3 members, pooled in USD"


def test_a_customer_id_or_name_still_shows_the_customer(cli, demo):
    for query in ("C0027", "华夏物流"):
        result = cli("position", query)
        assert result.exit_code == 0
        assert result.stdout.splitlines()[0].strip() == "华夏物流有限公司 (C0027)"


def test_demo_refuses_a_database_with_customers_unless_forced(cli, demo):
    again = cli("demo")
    assert again.exit_code == 1
    shown = build_services().engine.url.render_as_string(hide_password=True)
    assert again.stderr == (
        f"error: {shown} already has 50 customer(s): the demo loads into an empty database "
        "only, so that its made-up customers never mix with real ones. Point DATABASE_URL at "
        "a new database (e.g. sqlite:///demo.db), or add --force to load it anyway.\n")
    assert again.stdout == ""
    forced = cli("demo", "--force")
    assert forced.exit_code == 0
    assert "customers: 50 rows read — 0 inserted, 0 updated, 50 unchanged" in forced.stdout


def test_demo_data_dir_keeps_the_files(cli, tmp_path):
    kept = tmp_path / "demo-files"
    assert cli("demo", "--data-dir", str(kept)).exit_code == 0
    assert sorted(p.name for p in kept.iterdir()) == [
        "contracts.csv", "customers.csv", "invoices.csv", "orders.csv", "payments.csv",
        "rates.csv"]


def test_an_unclear_customer_gets_the_candidates_and_a_command_to_copy(cli, demo):
    """It asked "Which one?", which a terminal cannot answer."""
    ambiguous = cli("position", "acme")
    assert ambiguous.exit_code == 1
    assert " ".join(ambiguous.output.split()) == (
        "error: “acme” matches several customers: Acme Industrial Supply (C0001), Acme "
        "Packaging (C0002). Use the id, e.g. `creditbot position C0001`.")
    unknown = cli("position", "zzz")
    assert unknown.exit_code == 1
    assert " ".join(unknown.output.split()) == (
        "error: No customer matches “zzz”. Try part of the name or the customer id, e.g. "
        "`creditbot position C0001`.")


def _title(output: str) -> str:
    """A table's title, wrapped to the table's width: its lines above the top border."""
    lines = output.split("┌", 1)[0].splitlines()
    return " ".join(line.strip() for line in lines if line.strip())


HOSTILE_NAMES = {
    "X1": "[link=https://evil.example/pay]Acme Packaging[/link]",
    "X2": "Zeta [/bold] Corp",
    "X3": "Acme [/] Corp :warning:",
    "X4": "Bidi \u202eexe.live\u202c corp",
}


def test_names_from_the_erp_are_printed_as_they_are_never_as_markup(cli, tmp_path):
    """Rich read a str table title as markup: a name made a hidden link to the terminal,
    "Acme [/] Corp" a traceback, and a bidi override turned the name around."""
    customers = tmp_path / "customers.csv"
    customers.write_text("customer_id,name,currency,credit_limit,payment_terms_days,group_id\n"
                         + "".join(f'{cid},"{name}",USD,1000,30,[b]G[/b]\n'
                                   for cid, name in HOSTILE_NAMES.items()), encoding="utf-8")
    assert cli("import", "customers", str(customers)).exit_code == 0
    shown = {"X4": "Bidi \\u202eexe.live\\u202c corp"}
    for cid, name in HOSTILE_NAMES.items():
        result = cli("position", cid)
        assert result.exit_code == 0, result.output
        assert _title(result.stdout) == f"{shown.get(cid, name)} ({cid})"
    group = cli("position", "[b]G[/b]")
    assert group.exit_code == 0, group.output
    assert _title(group.stdout) == "Group [b]G[/b]: 4 members, pooled in USD"
    portfolio = cli("portfolio").stdout
    assert "[link=https://evil.example/pay]Acme" in portfolio and "\u202e" not in portfolio


def test_a_position_found_by_a_close_match_or_a_loose_id_says_so(cli, demo):
    # The card in Slack says "No customer is named …: this is the closest"; the terminal
    # showed Acme Packaging's table for "acme packagng" without a word.
    close = cli("position", "acme packagng")
    assert close.exit_code == 0
    assert close.stderr == ("note: no customer is named “acme packagng”: this is the "
                            "closest, Acme Packaging (C0002).\n")
    assert "Acme Packaging (C0002)" in close.stdout
    loose = cli("position", "0002")
    assert loose.stderr == "note: no customer has the id “0002”: this is C0002, Acme Packaging.\n"
    # Named (its id, its name, the start of it): nothing to say.
    for named in ("C0002", "Acme Packaging", "acme pack", "Acme Packaging (C0002)"):
        assert cli("position", named).stderr == "", named


def test_another_day_says_the_items_are_todays(cli, demo):
    # "--as-of 2026-01-01" showed this month's invoices as open on New Year's Day, and a
    # quarter end's table was read as that day's position.
    past = cli("position", "C0002", "--as-of", "2026-01-01")
    assert past.exit_code == 0
    assert past.stderr == (
        "note: these are today's open invoices and orders, aged and converted as of "
        "2026-01-01 (creditbot keeps the ERP's latest export, not its history): not the "
        "position as it stood that day.\n")
    ahead = cli("portfolio", "--as-of", "2026-12-31")
    assert ahead.stderr == (
        "note: these are today's open invoices and orders, aged and converted as of "
        "2026-12-31 (creditbot keeps the ERP's latest export, not its history): as if "
        "nothing were paid or invoiced until then.\n")
    assert cli("portfolio", "--as-of", str(DAY)).stderr == ""
