"""Identity tables (the chassis tables live in ``chassis.tables``)."""
from identity.models.base import Base
from identity.models.clients import OAuthClient
from identity.models.grants import AuthorizationCode, RefreshToken
from identity.models.keys import SigningKey
from identity.models.users import User

__all__ = ["AuthorizationCode", "Base", "OAuthClient", "RefreshToken", "SigningKey", "User"]
