"""RFC 9068 access-token verification with a cache of verified tokens."""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Protocol, Sequence

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import Key

from .claims import check_claims
from .errors import InvalidToken, UnknownKey
from .principal import Principal
from .token_cache import VerifiedTokenCache

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
# Symmetric or "none" algorithms would let anyone who can read the JWKS mint tokens.
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                   "ES256", "ES384", "ES512", "Ed25519"})


class KeySource(Protocol):
    def key_for(self, kid: str) -> Key: ...


class TokenVerifier:
    """Checks bearer tokens issued by one issuer for one of our audiences.

    Verified tokens are remembered (bounded LRU, keyed by the token itself)
    until they expire, so a client reusing its token costs a dict lookup
    instead of a signature check. Refused tokens are never cached.
    """

    def __init__(self, key_source: KeySource, *, issuer: str, audiences: Sequence[str],
                 algorithms: Sequence[str] = ("RS256", "ES256"), leeway_seconds: int = 30,
                 cache_size: int = 10000, clock: Callable[[], float] = time.time) -> None:
        if isinstance(audiences, str):
            audiences = (audiences,)  # not a set of one-letter audiences
        if not audiences:
            raise ValueError("TokenVerifier needs at least one audience")
        if not set(algorithms) <= ASYMMETRIC_ALGORITHMS:
            raise ValueError(f"only asymmetric algorithms are allowed, got {list(algorithms)}")
        self.key_source = key_source
        self.issuer = issuer
        self.audiences = frozenset(audiences)
        self.algorithms = frozenset(algorithms)
        self.leeway = leeway_seconds
        self._clock = clock
        # The registry *is* the algorithm allow-list handed to joserfc; built
        # once because constructing one per call shows up in the profile.
        self._registry = jws.JWSRegistry(algorithms=list(algorithms))
        self.cache = VerifiedTokenCache(cache_size)

    def verify(self, token: str) -> Principal:
        """Return the caller of a valid access token; raise ``InvalidToken``."""
        now = self._clock()
        principal = self.cache.get(token)
        if principal is not None:
            # Expiry is re-checked on every hit: the cache saves crypto, not checks.
            if now < principal.expires_at + self.leeway:
                return principal
            self.cache.discard(token)
            raise InvalidToken("expired")
        principal = self._verify_uncached(token, now)
        self.cache.put(token, principal)
        return principal

    def _verify_uncached(self, token: str, now: float) -> Principal:
        signed = self._parse(token)
        key = self._key(self._check_header(signed.headers()))
        try:
            valid = jws.validate_compact(signed, key, registry=self._registry)
        except JoseError:
            raise InvalidToken("key does not match algorithm") from None
        if not valid:
            raise InvalidToken("invalid signature")
        claims = self._claims(signed.payload)
        check_claims(claims, issuer=self.issuer, audiences=self.audiences,
                     now=now, leeway=self.leeway)
        try:
            return Principal.from_claims(claims)
        except ValueError as exc:
            raise InvalidToken(f"invalid claims: {exc}") from None

    def _parse(self, token: str) -> Any:
        try:
            return jws.extract_compact(token.encode("ascii"), registry=self._registry)
        except (JoseError, ValueError, UnicodeError):
            raise InvalidToken("malformed token") from None

    def _check_header(self, header: dict[str, Any]) -> str:
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("not an access token (typ must be at+jwt)")
        if header.get("alg") not in self.algorithms:
            raise InvalidToken("algorithm not allowed")
        if "crit" in header or "b64" in header:
            # We implement no JWS extensions; RFC 7515 says refuse what we don't understand.
            raise InvalidToken("unsupported critical header")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("missing kid")
        try:
            self._registry.check_header(header)
        except JoseError:
            raise InvalidToken("invalid header") from None
        return kid

    def _key(self, kid: str) -> Key:
        # KeySetUnavailable passes through: an issuer outage is not a bad token.
        try:
            return self.key_source.key_for(kid)
        except UnknownKey:
            raise InvalidToken("unknown key") from None

    @staticmethod
    def _claims(payload: bytes | None) -> dict[str, Any]:
        try:
            claims = json.loads(payload or b"")
        except ValueError:
            raise InvalidToken("malformed claims") from None
        if not isinstance(claims, dict):
            raise InvalidToken("malformed claims")
        return claims
