"""A bounded, thread-safe LRU of tokens that already passed verification."""
from __future__ import annotations

import threading
from collections import OrderedDict

from .principal import Principal


class VerifiedTokenCache:
    """Maps a verified token to its Principal, evicting the least recently used.

    Keyed by the token string itself: the dict compares whole strings on a hash
    hit, so two tokens can never share an entry (a truncated or non-crypto hash
    could). Memory is bounded by ``maxsize`` tokens of ~1 KB each.
    """

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[str, Principal] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        """The cached principal for ``token``, marking it recently used."""
        with self._lock:
            principal = self._entries.get(token)
            if principal is not None:
                self._entries.move_to_end(token)
            return principal

    def put(self, token: str, principal: Principal) -> None:
        """Remember a verified token; only call this after full verification."""
        if self.maxsize <= 0:
            return
        with self._lock:
            self._entries[token] = principal
            self._entries.move_to_end(token)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def discard(self, token: str) -> None:
        """Forget ``token`` (it expired)."""
        with self._lock:
            self._entries.pop(token, None)

    def clear(self) -> None:
        """Forget everything, e.g. after a signing key was withdrawn."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
