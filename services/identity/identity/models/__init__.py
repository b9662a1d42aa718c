"""Identity tables (the chassis tables live in ``chassis.tables``)."""
from identity.models.base import Base
from identity.models.clients import OAuthClient
from identity.models.grants import AuthorizationCode, RefreshToken
from identity.models.keys import SigningKey
from identity.models.security import AccountToken, LoginAttempt, RecoveryCode, ThrottleHit, UserSecurity
from identity.models.users import User
from identity.models.vendors import Vendor, VendorMember

__all__ = ["AccountToken", "AuthorizationCode", "Base", "LoginAttempt", "OAuthClient", "RecoveryCode", "RefreshToken",
           "SigningKey", "ThrottleHit", "User", "UserSecurity", "Vendor", "VendorMember"]
