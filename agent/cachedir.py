"""Where derived artefacts (trained NLU models, enrolled acoustic models) are cached."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root(kind: str) -> Path:
    """`$AMBIENT_CACHE/<kind>`, else `~/.cache/ambient/<kind>`."""
    base = os.environ.get("AMBIENT_CACHE")
    return (Path(base) if base else Path.home() / ".cache" / "ambient") / kind
