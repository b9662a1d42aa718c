"""Catalog service: products, offers, stock reservations, moderation, media and CMS pages."""
