"""The back-office console: server-rendered pages over the marketplace APIs, for operators and vendors."""
