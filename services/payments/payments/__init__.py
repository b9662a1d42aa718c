"""Payments service: authorize, capture, void and refund; commissions, ledger, balances and payouts."""
