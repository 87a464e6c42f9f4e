"""Wake stage: decides whether the agent was addressed."""
