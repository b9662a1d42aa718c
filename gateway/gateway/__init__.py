"""Gateway: the single front door (OAuth2 edge, routing, rate limits, docs)."""
