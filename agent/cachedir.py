"""Where derived artefacts (trained NLU models, enrolled acoustic models) are cached."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(kind: str) -> Path:
    """`$AMBIENT_CACHE/<kind>`, else `~/.cache/ambient/<kind>`."""
    base = os.environ.get("AMBIENT_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "ambient") / kind


def publish(made: Path, target: Path, marker: str) -> None:
    """Move the finished directory `made` to `target` at once, unless another process got there first: a `target`
    holding `marker` is theirs, the same artefact, and may be in use."""
    try:
        os.rename(made, target)
    except OSError:
        if not (target / marker).exists():
            raise
