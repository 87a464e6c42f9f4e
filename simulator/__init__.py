"""Scripted scenarios (and later simulated populations) that drive the agent."""
