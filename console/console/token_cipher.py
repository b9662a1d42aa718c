"""The users' tokens encrypted at rest in the sessions table (Fernet: AES-128-CBC with HMAC-SHA256).

A copy of the table (a backup, a replica, a read-only breach) then hands out no token that could act
for a user. Keys come from ``CONSOLE_TOKEN_KEYS``: the first encrypts, every one decrypts, so a key is
rotated by putting a new one first and removing the old one once the sessions it encrypted have ended
(``CONSOLE_SESSION_ABSOLUTE_HOURS``). A token no key can read (its key removed, or a row written
before encryption) makes its session signed out, never an error page.
"""
from __future__ import annotations

import binascii
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from chassis.settings import ConfigurationError, development_secret, var_dir

DEVELOPMENT_KEY_FILE = "console-token.key"
NEW_KEY_HINT = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class UnreadableToken(Exception):
    """No configured key decrypts this stored token."""


def check_key(key: str) -> None:
    """Refuse what is not a Fernet key (32 bytes, URL-safe base64), saying how to make one."""
    try:
        Fernet(key)
    except (ValueError, binascii.Error):
        raise ValueError(f"not a Fernet key (32 bytes, URL-safe base64); generate one with {NEW_KEY_HINT}") from None


@dataclass(frozen=True)
class TokenCipher:
    fernet: MultiFernet

    @classmethod
    def from_keys(cls, keys: list[str]) -> TokenCipher:
        return cls(MultiFernet([Fernet(key) for key in keys]))

    def encrypt(self, token: str | None) -> str | None:
        return None if token is None else self.fernet.encrypt(token.encode()).decode()

    def decrypt(self, stored: str | None) -> str | None:
        if stored is None:
            return None
        try:
            return self.fernet.decrypt(stored.encode()).decode()
        except InvalidToken:
            raise UnreadableToken() from None


def cipher_for(settings) -> TokenCipher:
    """``CONSOLE_TOKEN_KEYS``, or in development one random key shared by the processes of this machine."""
    keys = settings.token_key_list
    if not keys:
        try:
            keys = [development_secret(var_dir() / DEVELOPMENT_KEY_FILE, lambda: Fernet.generate_key().decode())]
        except OSError as exc:
            raise ConfigurationError(f"CONSOLE_TOKEN_KEYS is not set and no development key could be kept in "
                                     f"{var_dir() / DEVELOPMENT_KEY_FILE} ({exc.strerror}): set CONSOLE_TOKEN_KEYS "
                                     f"(generate a key with {NEW_KEY_HINT})") from None
    return TokenCipher.from_keys(keys)
