"""identity's OAuth2 authorization server, built on authlib."""
