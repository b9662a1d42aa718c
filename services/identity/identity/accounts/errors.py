"""What account use cases refuse (the HTTP layer maps each to a problem type)."""
from __future__ import annotations

from identity.domain import RuleViolation


class Throttled(Exception):
    """Too many attempts: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, message: str = "too many attempts; try again later") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EmailTaken(RuleViolation):
    """Sign-up with an email that already has an account."""


class PasswordRejected(RuleViolation):
    """A new password breaks the policy (length, common list) or the current one is wrong."""


class TokenInvalid(RuleViolation):
    """A verification, reset or invitation token that is unknown, used, or expired."""


class CodeRejected(RuleViolation):
    """A TOTP or recovery code that does not match (or was used already)."""


class TwoFactorState(RuleViolation):
    """2FA is not in the state this command needs (enrolling when enabled, disabling when off)."""
