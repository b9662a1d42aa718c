"""Ids the API answered with, kept to fill path parameters: random ids only ever reach a 404.

An ``x_id`` field of a 2xx body fills ``{x_id}``; an ``id`` field fills the parameter naming the
operation's resource (``{offer_id}`` for what ``/api/v1/offers`` or ``/api/v1/offers/{offer_id}``
answers). Values keep the order they were first seen in, so a run replays the same choices.
"""
from __future__ import annotations

import itertools
import re

PARAMETER = re.compile(r"\{([^}]+)\}")
MAX_VALUES_PER_PARAMETER = 3
MAX_COMBINATIONS = 6


class KnownIds:
    def __init__(self, operations, seeds: dict[str, list[str]] | None = None) -> None:
        self._values: dict[str, list[str]] = {name: list(values) for name, values in (seeds or {}).items()}
        self._resource_parameter = _resource_parameters(operation.path for operation in operations)

    def harvest(self, operation, body) -> None:
        """Remember the ids of a 2xx JSON body (an object, or a list of objects) of ``operation``."""
        items = body if isinstance(body, list) else [body]
        for item in (item for item in items if isinstance(item, dict)):
            for key, value in item.items():
                name = self._resource_parameter.get(operation.path) if key == "id" else key
                if name and (key == "id" or key.endswith("_id")) and isinstance(value, str) and value:
                    self._add(name, value)

    def path_parameters(self, operation) -> list[dict[str, str]]:
        """Up to MAX_COMBINATIONS sets of known values for all of ``operation``'s path parameters."""
        names = PARAMETER.findall(operation.path)
        if not names or any(name not in self._values for name in names):
            return []
        choices = [self._values[name][:MAX_VALUES_PER_PARAMETER] for name in names]
        return [dict(zip(names, combination)) for combination in itertools.product(*choices)][:MAX_COMBINATIONS]

    def _add(self, name: str, value: str) -> None:
        values = self._values.setdefault(name, [])
        if value not in values:
            values.append(value)


def _resource_parameters(paths) -> dict[str, str]:
    """Path -> the parameter naming its resource: its last one, or its items' (``/offers`` -> offer_id)."""
    paths = list(paths)
    named = {}
    for path in paths:
        parameters = PARAMETER.findall(path)
        items = [PARAMETER.fullmatch(other[len(path) + 1:]) for other in paths if other.startswith(path + "/")]
        item = next((match.group(1) for match in items if match), None)
        if path.endswith("}") or item is None:
            item = parameters[-1] if parameters else None
        if item:
            named[path] = item
    return named
