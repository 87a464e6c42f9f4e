"""Data files the skills read (the media catalog)."""
