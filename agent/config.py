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
    tts: str = Field(default="null", pattern="^(pyttsx3|piper|null)$")
    """`pyttsx3` (espeak-ng) or `piper` (neural) render WAV files into `speech_dir`; `null` renders nothing."""
    voice: str | None = None
    """The voice: an espeak-ng voice for pyttsx3 (default: an English voice), a Piper voice file for piper
    (default: the bundled en_US joe)."""
    speech_dir: Path = Path("out/speech")
    confirm_timeout_s: float = 2.0
    """Real seconds to wait for a device to confirm a command."""
    user: str = "guest"
    """Default speaker when a turn names none."""
    sports: str = Field(default="simulated", pattern="^(simulated|none)$")
    """Where sports results come from: simulated (plausible made-up games) or none (answered as unsupported)."""
    restaurants: str = Field(default="simulated", pattern="^(simulated|none)$")
    """Where nearby restaurants come from: simulated (a fixed listing) or none (answered as unsupported)."""
    weather: str = Field(default="simulated", pattern="^(simulated|none)$")
    """The weather service skills ask: simulated (steady made-up weather, the only one that works offline) or none
    (weather questions are answered as unsupported)."""
    asr: str = Field(default="whisper", pattern="^(whisper|pocketsphinx|vosk|both)$")
    """The speech recognizer in audio mode (see `agent.voice.build_engines`)."""
    whisper_model: str | None = None
    """A faster-whisper model directory or name; None: the bundled tiny.en."""
    vosk_model: str | None = None
    """A vosk model directory (for `asr: vosk`); None: `$VOSK_MODEL_PATH`."""
    wake_word: str | None = None
    """Audio mode: a neural wake word model (okay_nabu, hey_jarvis, hey_mycroft, alexa, hey_rhasspy, or a model
    file); None: `wake_phrase`, heard by the recognizer's own engine."""
    push_to_talk: bool = False
    """Audio mode: no wake word; every stretch of speech is a request."""
    acoustic_model: Path | None = None
    """A pocketsphinx model directory adapted to the household by `ambient enroll`; None: the bundled model."""
