"""Events identity consumes (each handler translates an event into a command)."""
from __future__ import annotations

from typing import Mapping

from chassis.events.consumer import EventHandler


def handlers_by_type() -> Mapping[str, EventHandler]:
    """Event type -> handler; must match ``contracts.subscriptions`` for identity."""
    return {}
