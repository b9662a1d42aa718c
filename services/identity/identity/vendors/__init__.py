"""Vendors: applications, the operator's decisions, staff and the vendor's own API clients."""
