"""The double-entry ledger's accounts and the postings each money movement makes.

Entries are signed: debits positive, credits negative; a posting's entries sum to zero per
currency, or it is refused. Postings are immutable: a correction is a new posting.

Accounts (one per currency; vendor accounts also per vendor):
- ``psp_clearing`` (asset): money held at the payment provider for the marketplace.
- ``commission_revenue`` (revenue): the operator's commission.
- ``vendor_pending`` / ``vendor_available`` (liabilities): what the marketplace owes a vendor,
  before and after the return window of the vendor order.
- ``refunds_payable`` (liability): refunds owed to customers until the provider has paid them.
- ``payouts_in_transit`` (liability): payouts sent to a vendor and not yet confirmed.
- ``psp_fees`` (expense): what the provider charges, when it reports fees.

Liabilities and revenue carry credit (negative) balances; :func:`owed` reads them as positive.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class AccountKind(StrEnum):
    PSP_CLEARING = "psp_clearing"
    COMMISSION_REVENUE = "commission_revenue"
    VENDOR_PENDING = "vendor_pending"
    VENDOR_AVAILABLE = "vendor_available"
    REFUNDS_PAYABLE = "refunds_payable"
    PAYOUTS_IN_TRANSIT = "payouts_in_transit"
    PSP_FEES = "psp_fees"


VENDOR_ACCOUNTS = frozenset({AccountKind.VENDOR_PENDING, AccountKind.VENDOR_AVAILABLE})


class PostingKind(StrEnum):
    CAPTURE = "capture"
    RELEASE = "release"  # pending -> available when the return window has passed
    REFUND = "refund"
    REFUND_PAID = "refund_paid"
    PAYOUT = "payout"
    PAYOUT_PAID = "payout_paid"
    PAYOUT_FAILED = "payout_failed"


@dataclass(frozen=True)
class AccountKey:
    kind: AccountKind
    currency: str
    vendor_id: str | None = None

    def __post_init__(self) -> None:
        if (self.kind in VENDOR_ACCOUNTS) != (self.vendor_id is not None):
            raise ValueError(f"{self.kind} accounts {'need' if self.kind in VENDOR_ACCOUNTS else 'take no'} vendor")


@dataclass(frozen=True)
class Entry:
    account: AccountKey
    amount_minor: int  # debit > 0, credit < 0


@dataclass(frozen=True)
class Posting:
    kind: PostingKind
    entries: tuple[Entry, ...]
    memo: str = ""

    def __post_init__(self) -> None:
        for currency, total in totals_by_currency(self.entries).items():
            if total:
                raise UnbalancedPosting(f"{self.kind} does not balance in {currency}: {total}")


class UnbalancedPosting(ValueError):
    pass


def totals_by_currency(entries: Iterable[Entry]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for entry in entries:
        totals[entry.account.currency] += entry.amount_minor
    return dict(totals)


def owed(balance_minor: int) -> int:
    """A liability's balance read as what is owed (credits are negative in the ledger)."""
    return -balance_minor


def _posting(kind: PostingKind, memo: str, *moves: tuple[AccountKey, int]) -> Posting:
    return Posting(kind, tuple(Entry(account, amount) for account, amount in moves if amount), memo)


def _accounts(currency: str, vendor_id: str):
    return (AccountKey(AccountKind.PSP_CLEARING, currency), AccountKey(AccountKind.COMMISSION_REVENUE, currency),
            AccountKey(AccountKind.VENDOR_PENDING, currency, vendor_id),
            AccountKey(AccountKind.VENDOR_AVAILABLE, currency, vendor_id))


def capture(vendor_id: str, currency: str, gross_minor: int, commission_minor: int, memo: str = "") -> Posting:
    """Money captured for a vendor order: the vendor is owed it less commission, pending the return window."""
    _check_within(commission_minor, gross_minor, "commission")
    clearing, revenue, pending, _ = _accounts(currency, vendor_id)
    return _posting(PostingKind.CAPTURE, memo, (clearing, gross_minor), (revenue, -commission_minor),
                    (pending, -(gross_minor - commission_minor)))


def release(vendor_id: str, currency: str, net_minor: int, memo: str = "") -> Posting:
    """The return window passed: the vendor order's net moves from pending to available."""
    _, _, pending, available = _accounts(currency, vendor_id)
    return _posting(PostingKind.RELEASE, memo, (pending, net_minor), (available, -net_minor))


def refund(vendor_id: str, currency: str, amount_minor: int, commission_reversed_minor: int, *,
           from_available: bool, memo: str = "") -> Posting:
    """A refund owed to the customer: taken from the vendor (pending, or available once released,
    which may go negative) and from the commission, in proportion."""
    _check_within(commission_reversed_minor, amount_minor, "commission reversed")
    _, revenue, pending, available = _accounts(currency, vendor_id)
    vendor_account = available if from_available else pending
    return _posting(PostingKind.REFUND, memo, (vendor_account, amount_minor - commission_reversed_minor),
                    (revenue, commission_reversed_minor),
                    (AccountKey(AccountKind.REFUNDS_PAYABLE, currency), -amount_minor))


def refund_paid(currency: str, amount_minor: int, memo: str = "") -> Posting:
    """The provider paid the refund back to the customer."""
    clearing = AccountKey(AccountKind.PSP_CLEARING, currency)
    return _posting(PostingKind.REFUND_PAID, memo, (AccountKey(AccountKind.REFUNDS_PAYABLE, currency), amount_minor),
                    (clearing, -amount_minor))


def payout(vendor_id: str, currency: str, amount_minor: int, memo: str = "") -> Posting:
    """A payout leaves the vendor's available balance and is in transit until the provider confirms."""
    _, _, _, available = _accounts(currency, vendor_id)
    return _posting(PostingKind.PAYOUT, memo, (available, amount_minor),
                    (AccountKey(AccountKind.PAYOUTS_IN_TRANSIT, currency), -amount_minor))


def payout_paid(currency: str, amount_minor: int, memo: str = "") -> Posting:
    clearing = AccountKey(AccountKind.PSP_CLEARING, currency)
    return _posting(PostingKind.PAYOUT_PAID, memo,
                    (AccountKey(AccountKind.PAYOUTS_IN_TRANSIT, currency), amount_minor), (clearing, -amount_minor))


def payout_failed(vendor_id: str, currency: str, amount_minor: int, memo: str = "") -> Posting:
    """A failed payout gives the funds back to the vendor's available balance."""
    _, _, _, available = _accounts(currency, vendor_id)
    return _posting(PostingKind.PAYOUT_FAILED, memo,
                    (AccountKey(AccountKind.PAYOUTS_IN_TRANSIT, currency), amount_minor), (available, -amount_minor))


def payable_amount(available_minor: int, minimum_minor: int) -> int:
    """What a payout run pays a vendor: exactly its available balance, if at least the minimum (and > 0)."""
    return available_minor if available_minor > 0 and available_minor >= minimum_minor else 0


def _check_within(part: int, whole: int, name: str) -> None:
    if part < 0 or whole < 0 or part > whole:
        raise ValueError(f"{name} must be between 0 and {whole}, not {part}")
