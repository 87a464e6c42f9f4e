"""Rewrite stage: the self-learning layer that may overwrite a request before NLU."""
