"""Payments tables (the chassis tables live in ``chassis.tables``)."""
from payments.models.base import Base
from payments.models.commissions import CommissionLine, CommissionRule
from payments.models.ledger import LedgerAccount, LedgerEntry, LedgerTransaction
from payments.models.orders import PayableOrder, PayableVendorOrder
from payments.models.payments import Charge, Payment, ProviderRecord, Refund
from payments.models.payouts import Payout, PayoutRun

__all__ = ["Base", "Charge", "CommissionLine", "CommissionRule", "LedgerAccount", "LedgerEntry",
           "LedgerTransaction", "PayableOrder", "PayableVendorOrder", "Payment", "Payout", "PayoutRun",
           "ProviderRecord", "Refund"]
