"""Sales facts (one row per vendor-order line and money movement) and their rollups."""
