from datetime import date
from decimal import Decimal

from domain.collections.promises import PromiseTerms, Verdict, check_date, evaluate

DUE = date(2026, 12, 10)
TERMS = PromiseTerms(Decimal(5000), "USD", DUE, {"I1": Decimal(3000), "I2": Decimal(4000)})


def test_the_check_comes_the_day_after_the_grace_days() -> None:
    assert check_date(DUE, 3) == date(2026, 12, 14)
    assert check_date(DUE, 0) == date(2026, 12, 11)


def test_unpaid_within_grace_is_pending_and_after_it_broken() -> None:
    open_now = {"I1": Decimal(3000), "I2": Decimal(4000)}
    assert evaluate(TERMS, date(2026, 12, 13), 3, open_now) is Verdict.PENDING
    assert evaluate(TERMS, date(2026, 12, 14), 3, open_now) is Verdict.BROKEN


def test_paid_down_by_the_amount_is_kept_even_early() -> None:
    open_now = {"I1": Decimal(0), "I2": Decimal(2000)}
    assert evaluate(TERMS, date(2026, 12, 1), 3, open_now) is Verdict.KEPT


def test_an_invoice_gone_from_the_import_counts_as_paid() -> None:
    assert evaluate(TERMS, date(2026, 12, 20), 3, {"I1": Decimal(1000)}) is Verdict.KEPT


def test_partly_paid_is_broken() -> None:
    open_now = {"I1": Decimal(0), "I2": Decimal(3000)}
    assert evaluate(TERMS, date(2026, 12, 20), 3, open_now) is Verdict.BROKEN


def test_imported_payments_keep_a_promise_made_for_the_whole_account() -> None:
    whole = PromiseTerms(Decimal(5000), "USD", DUE, {})
    assert evaluate(whole, date(2026, 12, 20), 3, {}, payments=Decimal(5000)) is Verdict.KEPT
    assert evaluate(whole, date(2026, 12, 20), 3, {}, payments=Decimal(4999)) is Verdict.BROKEN
    assert evaluate(whole, date(2026, 12, 20), 3, {}) is Verdict.BROKEN
