"""The AsyncAPI document of the marketplace events, generated from the registry."""

from contracts.asyncapi.cli import main
from contracts.asyncapi.document import build_document, render_yaml

__all__ = ["build_document", "main", "render_yaml"]
