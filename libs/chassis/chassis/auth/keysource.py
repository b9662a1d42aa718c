"""Keys identity has published: import a JWKS, index it by kid, serve it."""
from __future__ import annotations

import logging
from typing import Any, Mapping

from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, Key, KeySet

from .errors import UnknownKey

log = logging.getLogger(__name__)


def index_by_kid(keyset: KeySet) -> dict[str, Key]:
    """Map kid -> key, first one wins.

    Keys without a kid are dropped: every token we accept names its kid.
    """
    keys: dict[str, Key] = {}
    for key in keyset.keys:
        if key.kid and key.kid not in keys:
            keys[key.kid] = key
    return keys


def parse_jwks(document: Any) -> KeySet:
    """Import a JWKS document, skipping keys we cannot use.

    One exotic key (an unknown ``kty``) must not take the whole set down.
    Raises ``ValueError`` when the document is not a JWKS at all.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys = []
    for data in document["keys"]:
        try:
            keys.append(JWKRegistry.import_key(data))
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            log.warning("skipping unusable JWK: %s", exc)
    return KeySet(keys)


class StaticKeySource:
    """A fixed key set, for tests and for services that pin their keys."""

    def __init__(self, keyset: KeySet) -> None:
        self.keyset = keyset
        self._keys = index_by_kid(keyset)

    def key_for(self, kid: str) -> Key:
        """The key published under ``kid``; raises ``UnknownKey``."""
        try:
            return self._keys[kid]
        except KeyError:
            raise UnknownKey(kid) from None
