"""Agent settings, validated."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_HOME = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


class AgentConfig(BaseModel):
    """How one agent is set up; every field has a working default."""

    model_config = ConfigDict(extra="forbid")
    home: Path = DEFAULT_HOME
    """The home file."""
    broker: str = "mqtt://127.0.0.1:1883"
    """MQTT broker URL, `mqtt://[user:pass@]host:port`."""
    db: str | None = "sqlite:///ambient.db"
    """Turn log URL (any SQLAlchemy URL); None disables logging."""
    learning: bool = True
    """Apply and learn rewrites (the precomputed table and the online layers); off for an A/B baseline."""
    rewrites: Path = Path("rewrites.json")
    """The precomputed rewrite table `ambient learn` writes; reloaded when it changes; none when missing."""
    labels: Path = Path("nlu_labels.json")
    """Automatic labels `ambient retrain` writes: when present, the NLU model is the one trained with them."""
    wake_phrase: str = "hey home"
    require_wake: bool = True
    """Text mode: ignore turns that don't start with the wake phrase."""
    tts: str = Field(default="null", pattern="^(pyttsx3|null)$")
    """`pyttsx3` renders WAV files into `speech_dir`; `null` renders nothing."""
    voice: str | None = None
    """espeak-ng voice for pyttsx3 (default: an English voice)."""
    speech_dir: Path = Path("out/speech")
    confirm_timeout_s: float = 2.0
    """Real seconds to wait for a device to confirm a command."""
    user: str = "guest"
    """Default speaker when a turn names none."""
    acoustic_model: Path | None = None
    """A pocketsphinx model directory adapted to the household by `ambient enroll`; None: the bundled model."""
