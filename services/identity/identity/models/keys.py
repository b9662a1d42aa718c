"""Keys that sign access tokens."""
from __future__ import annotations

from datetime import datetime

from joserfc.jwk import ECKey
from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from identity.models.base import Base


class SigningKey(Base):
    """An ES256 key pair.

    The private key is kept here as PEM so that every worker and replica signs
    with the same key; production should supply it from a secret store (or
    encrypt this column with a key from one) rather than trust the database alone.
    A retired key no longer signs but stays in the JWKS until ``published_until``,
    when every token it signed has expired.
    """

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(10))
    private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def jwk(self) -> ECKey:
        return ECKey.import_key(self.private_key, parameters={"kid": self.kid, "alg": self.alg, "use": "sig"})
