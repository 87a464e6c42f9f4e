"""Learning rewrites from the turn log."""
