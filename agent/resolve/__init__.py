"""Entity resolution stage: slots -> concrete devices and values, or a clear question."""

from agent.resolve.resolver import ResolveContext, resolve

__all__ = ["ResolveContext", "resolve"]
