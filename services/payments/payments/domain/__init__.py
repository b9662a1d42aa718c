"""Payments rules, free of Flask, SQLAlchemy sessions and kombu: states, money, commissions, ledger."""
