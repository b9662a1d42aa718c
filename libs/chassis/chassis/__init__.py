"""Cross-cutting building blocks shared by every marketplace service."""
