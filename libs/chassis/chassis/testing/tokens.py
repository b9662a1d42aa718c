"""Mint RFC 9068 access tokens in tests, including deliberately hostile ones.

Nothing here is safe for production: keys live in memory, and some helpers
exist only to prove the verifier refuses them.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any, Iterable, Mapping

from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey
from joserfc.jws import JWSRegistry

from chassis.auth.jwks import StaticKeySource


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64_json(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def generate_key(alg: str = "ES256", kid: str | None = None) -> ECKey | RSAKey:
    """A fresh signing key for ``alg`` (ES256 or RS256) with a ``kid``."""
    params = {"kid": kid or f"test-{alg.lower()}-{uuid.uuid4().hex[:8]}", "use": "sig", "alg": alg}
    if alg == "ES256":
        return ECKey.generate_key("P-256", parameters=params)
    if alg == "RS256":
        return RSAKey.generate_key(2048, parameters=params)
    raise ValueError(f"unsupported test algorithm {alg}")


class TokenIssuer:
    """A fake identity service: one signing key, its JWKS, and ``issue()``."""

    def __init__(self, issuer: str = "http://issuer.test", audience: str = "marketplace",
                 alg: str = "ES256") -> None:
        self.issuer = issuer
        self.audience = audience
        self.alg = alg
        self.key = generate_key(alg)
        self.kid: str = self.key.kid  # type: ignore[assignment]

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document identity would serve."""
        return KeySet([self.key]).as_dict(private=False)

    def key_source(self) -> StaticKeySource:
        """A key source holding this issuer's public key."""
        return StaticKeySource(KeySet.import_key_set(self.jwks()))

    def claims(self, subject: str = "user-1", *, scopes: Iterable[str] = (),
               roles: Iterable[str] = (), vendor_id: str | None = None, vendor_role: str | None = None,
               client_id: str = "test-client", audience: str | list[str] | None = None,
               expires_in: int = 600, not_before: int | None = None,
               extra_claims: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The claims ``issue()`` signs; ``extra_claims`` override any of them."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": subject, "aud": audience or self.audience,
            "exp": now + expires_in, "iat": now, "nbf": now if not_before is None else not_before,
            "jti": uuid.uuid4().hex, "client_id": client_id,
            "scope": " ".join(scopes), "roles": list(roles),
        }
        if vendor_id is not None:
            claims["vendor_id"] = vendor_id
        if vendor_role is not None:
            claims["vendor_role"] = vendor_role
        claims.update(extra_claims or {})
        return claims

    def header(self, headers_override: Mapping[str, Any] | None = None, key: Any = None) -> dict[str, Any]:
        """The JWS header; keys set to None in ``headers_override`` are dropped."""
        key = key or self.key
        header = {"typ": "at+jwt", "alg": key.alg or self.alg, "kid": key.kid}
        header.update(headers_override or {})
        return {name: value for name, value in header.items() if value is not None}

    def issue(self, subject: str = "user-1", *, scopes: Iterable[str] = (),
              roles: Iterable[str] = (), vendor_id: str | None = None, vendor_role: str | None = None,
              client_id: str = "test-client", audience: str | list[str] | None = None,
              expires_in: int = 600, not_before: int | None = None,
              extra_claims: Mapping[str, Any] | None = None,
              headers_override: Mapping[str, Any] | None = None, key: Any = None) -> str:
        """A signed access token; ``key`` signs with another key (e.g. rotated)."""
        claims = self.claims(subject, scopes=scopes, roles=roles, vendor_id=vendor_id, vendor_role=vendor_role,
                             client_id=client_id, audience=audience, expires_in=expires_in,
                             not_before=not_before, extra_claims=extra_claims)
        header = self.header(headers_override, key)
        return jwt.encode(header, claims, key or self.key, algorithms=[header["alg"]],
                          default_type=None)

    def sign_raw(self, header: Mapping[str, Any], claims: Mapping[str, Any], key: Any = None) -> str:
        """Sign exactly this header and claims, skipping joserfc's header checks.

        For headers a well-behaved issuer refuses to produce (``crit``, ...).
        """
        key = key or self.key
        signing_input = f"{_b64_json(header)}.{_b64_json(claims)}"
        signature = JWSRegistry.algorithms[key.alg].sign(signing_input.encode(), key)
        return f"{signing_input}.{_b64(signature)}"

    def issue_unsigned_none(self, subject: str = "user-1", **claim_options: Any) -> str:
        """A token with ``alg: none`` and an empty signature (must be refused)."""
        header = self.header({"alg": "none"})
        return f"{_b64_json(header)}.{_b64_json(self.claims(subject, **claim_options))}."

    def issue_hs256_with_public_key(self, subject: str = "user-1", **claim_options: Any) -> str:
        """HS256 "signed" with the public key's PEM as the HMAC secret.

        The classic algorithm-confusion attack: a verifier that trusts the
        header's ``alg`` and feeds it the public key would accept this.
        """
        signing_input = f"{_b64_json(self.header({'alg': 'HS256'}))}." \
                        f"{_b64_json(self.claims(subject, **claim_options))}"
        secret = self.key.as_pem(private=False)
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(mac)}"


def tamper(token: str, part: str = "payload") -> str:
    """Change one part of a token while keeping its other segments.

    ``payload`` grants the ``operator`` role and an extra scope (what an
    attacker would try); ``signature`` flips a bit of the signature.
    """
    header, payload, signature = token.split(".")
    if part == "payload":
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["roles"] = [*claims.get("roles", []), "operator"]
        claims["scope"] = (claims.get("scope", "") + " admin").strip()
        return f"{header}.{_b64_json(claims)}.{signature}"
    if part == "signature":
        raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
        raw[len(raw) // 2] ^= 0x01
        return f"{header}.{payload}.{_b64(bytes(raw))}"
    raise ValueError("part must be 'payload' or 'signature'")
