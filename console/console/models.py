"""The console's only table: server-side sessions (the browser holds just a random id)."""
from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table, Text

metadata = MetaData()

console_sessions = Table(
    "console_sessions", metadata,
    # SHA-256 of the cookie value: a leaked table does not hand out live cookies.
    Column("id_hash", String(64), primary_key=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False, index=True),
    # An authorization request in flight: its state, PKCE verifier (encrypted) and where to go afterwards.
    Column("login", JSON),
    # Who signed in: sub, email, roles, vendor_id, vendor_role (from identity's userinfo; older rows lack
    # vendor_role, read as None).
    Column("user", JSON),
    # Encrypted with CONSOLE_TOKEN_KEYS (console.token_cipher): never the token's text.
    Column("access_token", Text),
    Column("refresh_token", Text),
    Column("access_expires_at", DateTime(timezone=True)),
    # The language chosen with the switch (none: from Accept-Language).
    Column("locale", String(8)),
)
