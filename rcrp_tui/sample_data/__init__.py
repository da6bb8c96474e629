"""The deterministic demo database."""
