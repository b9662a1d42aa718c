"""Account security: self sign-up, email verification, password policy and reset, login throttling, 2FA."""
from __future__ import annotations


def blueprints() -> list:
    from identity.accounts import api
    from identity.web import second_factor
    return [api.users_blueprint, api.me_blueprint, second_factor.blueprint]
