"""Operating the database: backup, restore, check, retention and subject access."""
