from datetime import date
from decimal import Decimal

from domain.collections.promises import PromiseTerms, Verdict, check_date, evaluate

DUE = date(2026, 12, 10)
TERMS = PromiseTerms(Decimal(5000), DUE, ("I1", "I2"))
UNPAID = {"I1": Decimal(3000), "I2": Decimal(4000)}


def test_the_check_comes_the_day_after_the_grace_days() -> None:
    assert check_date(DUE, 3) == date(2026, 12, 14)
    assert check_date(DUE, 0) == date(2026, 12, 11)


def test_unpaid_within_grace_is_pending_and_after_it_broken() -> None:
    assert evaluate(TERMS, date(2026, 12, 13), 3, UNPAID) is Verdict.PENDING
    assert evaluate(TERMS, date(2026, 12, 14), 3, UNPAID) is Verdict.BROKEN


def test_payments_of_the_amount_keep_it_even_early() -> None:
    assert evaluate(TERMS, date(2026, 12, 1), 3, UNPAID, Decimal(5000)) is Verdict.KEPT


def test_named_invoices_settled_or_gone_from_the_import_keep_it() -> None:
    assert evaluate(TERMS, date(2026, 12, 20), 3, {"I1": Decimal(0)}) is Verdict.KEPT


def test_partly_paid_is_broken() -> None:
    partly = {"I1": Decimal(0), "I2": Decimal(3000)}
    assert evaluate(TERMS, date(2026, 12, 20), 3, partly, Decimal(4999)) is Verdict.BROKEN


def test_a_promise_for_the_whole_account_counts_payments_only() -> None:
    whole = PromiseTerms(Decimal(5000), DUE)
    assert evaluate(whole, date(2026, 12, 20), 3, {}, Decimal(5000)) is Verdict.KEPT
    assert evaluate(whole, date(2026, 12, 20), 3, {}, Decimal(4999)) is Verdict.BROKEN
    assert evaluate(whole, date(2026, 12, 20), 3, {}) is Verdict.BROKEN
