"""The ledger on the database: running balances, entries with the balance after, one posting per source."""
from __future__ import annotations

from sqlalchemy import func, select

from payments import ledger_book
from payments.domain import ledger
from payments.domain.ledger import AccountKey, AccountKind
from payments.ledger_book import Source
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction


def _post(uow, posting, source_id, **references):
    with uow:
        written = ledger_book.post(uow.session, posting, Source(source_id, **references))
        uow.commit()
    return written


def test_a_capture_moves_running_balances_and_records_the_balance_after_each_entry(uow):
    _post(uow, ledger.capture("v1", "EUR", 10_000, 1_500), "vo-1", vendor_id="v1")
    _post(uow, ledger.capture("v1", "EUR", 2_000, 300), "vo-2", vendor_id="v1")
    with uow:
        pending = AccountKey(AccountKind.VENDOR_PENDING, "EUR", "v1")
        assert ledger_book.balance(uow.session, pending) == -10_200
        assert ledger_book.balance(uow.session, AccountKey(AccountKind.PSP_CLEARING, "EUR")) == 12_000
        after = uow.session.scalars(select(LedgerEntry.balance_after_minor).where(
            LedgerEntry.account_key == ledger_book.account_key(pending)).order_by(LedgerEntry.id)).all()
        assert after == [-8_500, -10_200]


def test_the_same_source_posts_a_kind_once(uow):
    assert _post(uow, ledger.capture("v1", "EUR", 1_000, 100), "vo-1") is not None
    assert _post(uow, ledger.capture("v1", "EUR", 1_000, 100), "vo-1") is None
    assert _post(uow, ledger.release("v1", "EUR", 900), "vo-1") is not None
    with uow:
        assert uow.session.scalar(select(func.count()).select_from(LedgerTransaction)) == 2
        assert ledger_book.vendor_balances(uow.session, "v1") == [ledger_book.VendorBalance("EUR", 0, 900)]


def test_vendor_balances_are_per_currency_and_read_as_owed(uow):
    _post(uow, ledger.capture("v1", "EUR", 1_000, 100), "vo-1")
    _post(uow, ledger.capture("v1", "USD", 500, 50), "vo-2")
    _post(uow, ledger.release("v1", "USD", 450), "vo-2")
    _post(uow, ledger.refund("v1", "USD", 500, 50, from_available=True), "rf-1")
    with uow:
        assert ledger_book.vendor_balances(uow.session, "v1") == [
            ledger_book.VendorBalance("EUR", 900, 0), ledger_book.VendorBalance("USD", 0, 0)]
        assert ledger_book.vendor_balances(uow.session, "nobody") == []


def test_entries_of_every_transaction_sum_to_zero_and_balances_equal_their_entries(uow):
    for index, posting in enumerate([ledger.capture("v1", "EUR", 900, 90), ledger.release("v1", "EUR", 810),
                                     ledger.refund("v1", "EUR", 100, 10, from_available=True),
                                     ledger.refund_paid("EUR", 100), ledger.payout("v1", "EUR", 720)]):
        _post(uow, posting, f"src-{index}")
    with uow:
        sums = uow.session.execute(select(LedgerEntry.transaction_id, func.sum(LedgerEntry.amount_minor))
                                   .group_by(LedgerEntry.transaction_id)).all()
        assert len(sums) == 5 and all(total == 0 for _, total in sums)
        for account in uow.session.scalars(select(LedgerAccount)):
            entries = uow.session.scalar(select(func.sum(LedgerEntry.amount_minor))
                                         .where(LedgerEntry.account_key == account.key))
            assert account.balance_minor == entries
