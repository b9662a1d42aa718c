"""identity's HTTP surface: OAuth2 endpoints, discovery documents, login pages."""
