"""The collector's forms name the account and list the invoices a promise or a dispute
may name, within Block Kit's limits whatever the ERP exported."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.sandbox import blockkit
from domain.collections.day import AccountForm
from domain.model import Invoice
from domain.money import Money
from handlers.collections.modals import dispute_view, promise_view
from handlers.i18n import translator

DUE = date(2026, 11, 1)


def invoice(n: int, invoice_id: str | None = None) -> Invoice:
    amount = Money(Decimal(1000 + n), "USD")
    return Invoice(invoice_id or f"INV-{n:03d}", "C1", DUE - timedelta(days=30),
                   DUE + timedelta(days=n), amount, amount)


def test_a_long_account_lists_25_invoices_and_counts_the_rest():
    form = AccountForm("C1", "Acme", tuple(invoice(n) for n in range(40)))
    view = promise_view(translator("en-US"), form)
    assert blockkit.problems(view["blocks"]) == []
    listed = view["blocks"][1]["text"]["text"].split("\n")
    assert listed[0] == "*Open invoices*"
    assert listed[1] == "`INV-000` $1,000.00, due Nov 1, 2026"
    assert listed[25] == "`INV-024` $1,024.00, due Nov 25, 2026"
    assert listed[26:] == ["and 15 more"]


def test_every_open_invoice_of_a_large_account_can_be_named_in_the_forms():
    """The field took 500 characters: a dispute of a shipment's 60 invoices could not be
    written."""
    form = AccountForm("C1", "Acme", tuple(invoice(n, f"INV-2026-{n:06d}") for n in range(60)))
    typed = ", ".join(i.invoice_id for i in form.open_invoices)
    for view in (promise_view(translator("en-US"), form),
                 dispute_view(translator("en-US"), form, {"logistics": "Logistics"})):
        [field] = [b for b in view["blocks"] if b.get("block_id") == "invoices"]
        assert len(typed) <= field["element"]["max_length"]
        assert blockkit.problems(view["blocks"]) == []


def test_erp_text_in_the_form_formats_and_pings_nothing():
    hostile = "<!channel> *x*`"
    form = AccountForm("C1", "Evil <@U0BOSS0001> _co_", (invoice(1, hostile),))
    view = dispute_view(translator("en-US"), form, {"logistics": "Logistics"})
    title, listed = (b["text"]["text"] for b in view["blocks"][:2])
    assert title == "Customer: *Evil &lt;@U0BOSS0001&gt; ＿co＿* (C1)"
    assert listed == "*Open invoices*\n`&lt;!channel&gt; ∗x∗ˋ` $1,001.00, due Nov 2, 2026"
    assert blockkit.problems(view["blocks"]) == []


def test_an_account_without_open_invoices_says_so():
    view = promise_view(translator("zh-CN"), AccountForm("C1", "Acme", ()))
    assert view["blocks"][1]["elements"][0]["text"] == "没有未结发票。"


def test_an_invoice_id_copied_from_the_form_with_its_look_alikes_is_the_erps():
    # The form lists "_INV_x_" as "＿INV_x＿" (an underscore at a word's edge could start
    # italics); typed back as shown, it must name the ERP's invoice.
    from handlers.collections.modals import _invoices

    # Pieces in order, a repeated one too: the domain joins pieces that make an id with a
    # comma again, and counts an invoice named twice once.
    assert _invoices("＿INV_x＿, SO∗7，A1, A1,") == ["_INV_x_", " SO*7", "A1", " A1", ""]
    assert _invoices(" , ,") == []
    # A Chinese list's 、 parts them as a comma does.
    assert _invoices("INV-0027-006、INV-0027-003") == ["INV-0027-006", "INV-0027-003"]


def _amount_hint(view: dict) -> str:
    [amount] = [b for b in view["blocks"] if b.get("block_id") == "amount"]
    return amount["hint"]["text"]


def test_the_promise_forms_example_is_in_the_customers_own_currency():
    # "USD 25k" was the example on a CNY account, and the form then refused it.
    assert _amount_hint(promise_view(translator("zh-CN"), AccountForm(
        "C1", "Acme", (), currency="CNY"))) == "例如 25000、2.5万 或 CNY 25k；未写币种时为 CNY。"
    assert _amount_hint(promise_view(translator("en-US"), AccountForm(
        "C1", "Acme", (), currency="EUR"))) == (
        "e.g. 25000, 25k or EUR 25k; in EUR when none is given.")
    assert _amount_hint(promise_view(translator("en-US"), AccountForm("C1", "Acme", ()))) == (
        "e.g. 25000 or 25k, in the customer's currency.")
