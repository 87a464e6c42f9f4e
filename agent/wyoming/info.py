"""Wyoming `describe` -> `info`: each service the server offers, with its models, voices and languages."""

from __future__ import annotations

from importlib.metadata import version

from wyoming.info import (
    AsrModel,
    AsrProgram,
    Attribution,
    HandleModel,
    HandleProgram,
    Info,
    IntentModel,
    IntentProgram,
    TtsProgram,
    TtsVoice,
    WakeModel,
    WakeProgram,
)

from agent.wyoming.tts import Voice
from agent.wyoming.wake import WakeWord

OURS = Attribution("ambient", "")
LANGUAGES = ["en"]
MADE_BY = {
    "whisper": Attribution("OpenAI (Whisper), Systran (faster-whisper)", "https://github.com/SYSTRAN/faster-whisper"),
    "pocketsphinx": Attribution("CMU Sphinx", "https://github.com/cmusphinx/pocketsphinx"),
    "vosk": Attribution("Alpha Cephei", "https://alphacephei.com/vosk/"),
    "microWakeWord": Attribution("Kevin Ahrendt", "https://github.com/kahrendt/microWakeWord"),
    "openWakeWord": Attribution("David Scripka", "https://github.com/dscripka/openWakeWord"),
    "piper": Attribution("Michael Hansen (Piper)", "https://github.com/OHF-Voice/piper1-gpl"),
    "pyttsx3": Attribution("eSpeak NG", "https://github.com/espeak-ng/espeak-ng"),
}


def describe(asr: str, asr_model: str, wake_words: list[WakeWord], voices: list[Voice]) -> Info:
    """The info of a server whose recognizer is `asr` (`AgentConfig.asr`) with model `asr_model`."""
    ours = version("ambient")
    understanding = [IntentModel(name="ambient", attribution=OURS, installed=True, version=ours, languages=LANGUAGES,
                                 description="rewrites, Home Assistant's sentences and ours, a trained model")]
    return Info(
        asr=[AsrProgram(
            name="ambient-asr", attribution=OURS, installed=True, version=ours,
            description=f"the agent's recognizer ({asr}), biased to the home and corrected onto its phrases",
            models=[AsrModel(name=asr_model, attribution=MADE_BY.get(asr, OURS), installed=True, version=None,
                             description=f"{asr} {asr_model}", languages=LANGUAGES)])],
        wake=[WakeProgram(
            name="ambient-wake", attribution=OURS, installed=True, version=ours, description="the agent's wake words",
            models=[WakeModel(name=w.name, attribution=MADE_BY.get(w.source, OURS), installed=True, version=None,
                              description=w.phrase, languages=LANGUAGES, phrase=w.phrase) for w in wake_words])],
        handle=[HandleProgram(
            name="ambient", attribution=OURS, installed=True, version=ours,
            description="a whole turn of the agent: it acts on the home, keeps each satellite's dialogue and "
                        "learns from its mistakes",
            models=[HandleModel(name="ambient", attribution=OURS, installed=True, version=ours, languages=LANGUAGES,
                                description="the agent")],
            supports_home_control=True)],
        intent=[IntentProgram(
            name="ambient", attribution=OURS, installed=True, version=ours,
            description="the agent's understanding of the home, with Home Assistant's intent names",
            models=understanding)],
        tts=[TtsProgram(
            name="ambient-tts", attribution=OURS, installed=True, version=ours, description="the agent's voices",
            voices=[TtsVoice(name=v.name, attribution=MADE_BY[v.engine], installed=True, version=None,
                             description=f"{v.engine} {v.name}", languages=[v.language]) for v in voices])],
    )
