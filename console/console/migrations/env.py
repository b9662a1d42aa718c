"""Alembic environment: the chassis runs it (``<service> db upgrade``)."""
from chassis.migrations import run_env

run_env()
