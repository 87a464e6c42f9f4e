"""Turn log: every turn and device state change, in SQLite or PostgreSQL."""
