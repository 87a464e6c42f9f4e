"""Teachable AI: what users tell the agent about themselves (a team, a taste, their name for a device, a
routine), stored per user, used on the very next turn, and forgotten (deleted) when they ask."""
