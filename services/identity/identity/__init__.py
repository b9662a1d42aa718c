"""Identity service: oAuth2 authorization server; users, vendors, roles and security."""
