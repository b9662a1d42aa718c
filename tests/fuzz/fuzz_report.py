"""What a fuzz run sent (requests per status) and what failed (per operation)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from schemathesis.core.failures import FailureGroup


@dataclass
class FuzzReport:
    """What one run sent and what failed."""

    name: str
    statuses: Counter = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, low: int, high: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < high)

    def summary(self) -> str:
        classes = ", ".join(f"{n}xx {self.count(n * 100, n * 100 + 100)}" for n in (2, 3, 4, 5))
        return (f"{self.name}: {self.requests} requests in {self.seconds:.1f} s ({classes}); "
                f"{len(self.failures)} failing operation(s)")

    def failure_text(self) -> str:
        return "\n\n".join(f"=== {label}\n{text}" for label, text in self.failures.items())


def described(error: BaseException) -> str:
    """The error and, for a group (hypothesis' flaky failures), what each of its members says."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, FailureGroup):  # schemathesis' own text already lists its failures
        return text
    for member in getattr(error, "exceptions", None) or ():
        text += "\n  " + described(member).replace("\n", "\n  ")
    return text
