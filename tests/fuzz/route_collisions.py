"""Path parameter values that name another route, which a generated request must not use.

``/api/v1/payments/{payment_id}`` with ``payment_id="audit"`` is ``GET /api/v1/payments/audit``, another
operation with another answer; with ``"redoc"`` it is the API's documentation page. Schemathesis draws
such words from the document itself, and no id of this API is one of them.
"""
from __future__ import annotations

import re

PARAMETER = re.compile(r"^\{([^}]+)\}$")
# What chassis serves under each service's API prefix besides its operations.
DOCUMENTATION_SEGMENTS = frozenset({"docs", "redoc", "openapi.json"})


def reserved_values(path: str, paths) -> dict[str, frozenset[str]]:
    """``{parameter: values naming another route}`` for the parameters of ``path``."""
    segments = path.split("/")
    reserved: dict[str, frozenset[str]] = {}
    for position, segment in enumerate(segments):
        parameter = PARAMETER.match(segment)
        if parameter:
            literals = {other.split("/")[position] for other in paths
                        if _differs_only_at(segments, other.split("/"), position)}
            reserved[parameter.group(1)] = frozenset(literals) | DOCUMENTATION_SEGMENTS
    return reserved


def avoiding_other_routes(cases, path: str, paths):
    """``cases`` without those whose path parameters name another route."""
    reserved = reserved_values(path, paths)
    return cases.filter(lambda case: not any(str(case.path_parameters.get(name)) in values
                                             for name, values in reserved.items()))


def _differs_only_at(segments: list[str], other: list[str], position: int) -> bool:
    return (len(other) == len(segments) and not PARAMETER.match(other[position])
            and all(mine == theirs for index, (mine, theirs) in enumerate(zip(segments, other)) if index != position))
