"""Test support: backends, tokens, real processes, pytest fixtures (plugin ``chassis``)."""
