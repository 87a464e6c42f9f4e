"""Pocketsphinx recognition and wake spotting on speech synthesized with espeak-ng."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pocketsphinx")
if shutil.which("espeak-ng") is None:
    pytest.skip("espeak-ng is not installed", allow_module_level=True)

from agent.asr.grammar import (
    JOINER,
    WordGraph,
    compile_fsg,
    grammar_hash,
    merge_chains,
    split_compounds,
)
from agent.asr.pocketsphinx_engine import PocketsphinxRecognizer
from agent.asr.pronounce import ipa_to_arpabet, pronounce
from agent.audio.frames import FRAME_BYTES, SAMPLE_RATE
from agent.audio.noise import with_noise as add_noise
from agent.home import Device, Home, load_home
from agent.nlu.jsgf import build_jsgf
from agent.nlu.match import TemplateMatcher
from agent.turn import Transcript
from agent.wake.pocketsphinx_engine import PocketsphinxWake
from simulator.speech import Voice, synthesize

HOME_FILE = Path(__file__).parents[1] / "scenarios" / "home.yaml"
COMMANDS = (
    "turn on the kitchen light",
    "set the bedroom lamp to forty percent",
    "play hunger games",
    "what's the weather in boston",
    "preheat the oven to three fifty",
)
VOICES = ("en-us", "en-us+m3", "en-gb")
SPEEDS = (150, 170)


def speech(text: str, voice: str = "en-us", speed: int = 160) -> bytes:
    """espeak-ng speech as 16 kHz int16, with half a second of faint noise either side, as a microphone hears."""
    return with_noise(np.concatenate([np.zeros(8000), synthesize(text, Voice(voice, speed)), np.zeros(8000)]))


def with_noise(samples: np.ndarray, level: float = 30.0) -> bytes:
    return add_noise(samples.astype(np.int16), level, np.random.default_rng(0)).tobytes()


def recognize(recognizer: PocketsphinxRecognizer, pcm: bytes, free: bool = False) -> Transcript:
    recognizer.start(free)
    for i in range(0, len(pcm), FRAME_BYTES):
        recognizer.feed(pcm[i:i + FRAME_BYTES])
    return recognizer.finish()


def spot(wake: PocketsphinxWake, pcm: bytes) -> list:
    wake.reset()
    return [e for i in range(0, len(pcm), FRAME_BYTES) if (e := wake.feed(pcm[i:i + FRAME_BYTES]))]


@pytest.fixture(scope="module")
def home() -> Home:
    return load_home(HOME_FILE)


@pytest.fixture(scope="module")
def recognizer(home: Home) -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(home)


@pytest.mark.parametrize("command", COMMANDS)
def test_demo_commands_are_recognized_word_exact_in_two_voices(recognizer: PocketsphinxRecognizer,
                                                                command: str) -> None:
    exact: set[str] = set()
    for voice in VOICES:
        for speed in SPEEDS:
            transcript = recognize(recognizer, speech(command, voice, speed))
            assert transcript.audio_s > 1.0 and transcript.final_ms > 0
            if (transcript.text, transcript.engine) == (command, "pocketsphinx"):
                assert 0.5 <= transcript.confidence <= 1.0
                assert command not in transcript.alternatives
                exact.add(voice)
                break
        if len(exact) == 2:
            return
    pytest.fail(f"{command!r} recognized word-exact only in {sorted(exact)}")



def sentences(graph: WordGraph) -> dict[str, float]:
    """Every sentence of an acyclic word graph (compounds split into words) with its path probability."""
    leaving: dict[int, list] = {}
    for src, dst, word, p in graph.transitions:
        leaving.setdefault(src, []).append((dst, word, p))
    found: dict[str, float] = {}

    def walk(state: int, words: tuple[str, ...], p: float) -> None:
        if state == graph.final:
            found[split_compounds(" ".join(words))] = p
        for dst, word, q in leaving.get(state, ()):
            walk(dst, words + ((word,) if word else ()), p * q)

    walk(graph.start, (), 1.0)
    return found


def test_folding_chains_into_compound_words_keeps_the_language_with_fewer_states() -> None:
    jsgf = ("#JSGF V1.0;\ngrammar t;\npublic <command> = [please] (turn on | switch on) the (kitchen light | "
            "living room ceiling light) [please] | (what time is it | what's the time) [now];\n")
    graph = compile_fsg(jsgf)
    folded = merge_chains(graph)
    assert folded.states < graph.states
    assert any(JOINER in (word or "") for _, _, word, _ in folded.transitions)
    before, after = sentences(graph), sentences(folded)
    assert before.keys() == after.keys() and "please switch on the living room ceiling light" in after
    assert all(after[s] == pytest.approx(p) for s, p in before.items())


def test_the_home_grammar_folds_to_about_half_its_states(home: Home) -> None:
    """Decoding time grows with the graph's state count (pocketsphinx visits every state every frame)."""
    graph = compile_fsg(build_jsgf(home))
    assert merge_chains(graph).states < 0.6 * graph.states


def test_out_of_grammar_speech_falls_back_to_the_language_model(recognizer: PocketsphinxRecognizer, home: Home) -> None:
    """Everyday talk is not forced onto a command: a free language model (the home's trigram model of its
    commands, or general English) hears it, roughly as said."""
    transcript = recognize(recognizer, speech("my cat likes to sleep on the sofa", speed=150))
    assert transcript.engine in ("pocketsphinx-domain", "pocketsphinx-lm")
    assert "sofa" in transcript.text.split() and 0.0 <= transcript.confidence <= 1.0
    assert not TemplateMatcher(home).match(transcript.text)


def test_grammar_follows_the_home_and_learns_new_names(home: Home) -> None:
    extra = home.model_copy(update={"devices": [*home.devices, Device(
        id="disco_ball", name="disco ball", area="living_room", type="light")]})
    before, after = build_jsgf(home), build_jsgf(extra)
    assert "disco ball" not in before and "disco ball" in after
    assert grammar_hash(before) != grammar_hash(after)
    assert compile_fsg(after).states < 5000
    recognizer = PocketsphinxRecognizer(extra)
    for text in ("turn on the disco ball", "start the roomba"):
        assert recognize(recognizer, speech(text, speed=150)).text == text


def test_pronunciations_come_from_espeak() -> None:
    assert pronounce("roomba") == "R UW M B AH"
    assert ipa_to_arpabet("d_ˈɪ_s_k_oʊ") == "D IH S K OW"
    assert ipa_to_arpabet("ʘ") is None


def test_british_pronunciations_join_the_us_dictionary(recognizer: PocketsphinxRecognizer) -> None:
    """The bundled dictionary only says "garage" the American way; a British household says G AE R IH JH."""
    said = {recognizer.decoder.lookup_word(w) for w in ("garage", "garage(2)", "garage(3)")}
    assert {"G ER AA ZH", "G AE R IH JH"} <= said
    assert recognizer.aligner.lookup_word("garage(2)") == recognizer.decoder.lookup_word("garage(2)")
    assert recognizer.decoder.lookup_word("light(2)") is None  # no variant where the accents agree


@pytest.mark.parametrize("pcm", [with_noise(np.zeros(SAMPLE_RATE * 2)), with_noise(np.zeros(SAMPLE_RATE * 2), 3000)],
                         ids=["silence", "white-noise"])
def test_silence_and_noise_give_no_confident_transcript(recognizer: PocketsphinxRecognizer, pcm: bytes) -> None:
    transcript = recognize(recognizer, pcm)
    assert transcript.text == "" or transcript.confidence < 0.5


def test_wake_phrase_is_spotted_only_when_said() -> None:
    """Most US-voice renditions wake it (the rate over many voices is the audio benchmark's job)."""
    wake = PocketsphinxWake()
    said = [spot(wake, speech(text, "en-us", speed)) for text in ("hey home, turn on the light",
                                                                 "hey home, what time is it")
            for speed in (150, 165, 180)]
    assert sum(len(events) == 1 for events in said) >= 4, said
    events = next(e for e in said if e)
    assert events[0].phrase == "hey home" and 0.0 <= events[0].score <= 1.0
    assert 0.5 < (events[0].at_s or 0) < 2.0
    for text in ("the weather is nice today", "turn on the kitchen light", "home is where the heart is"):
        assert spot(wake, speech(text)) == [], text


def test_wake_cooldown_ignores_a_quick_repeat() -> None:
    wake = PocketsphinxWake(cooldown_s=30.0)
    pcm = speech("hey home, turn on the light")
    wake.reset()
    events = [e for _ in range(2) for i in range(0, len(pcm), FRAME_BYTES) if (e := wake.feed(pcm[i:i + FRAME_BYTES]))]
    assert len(events) == 1


def test_an_expected_answer_is_heard_in_its_own_words(recognizer: PocketsphinxRecognizer) -> None:
    """While "learn my preferences" waits for an answer, the answers' model is heard first: no command
    grammar forces "mostly jazz" into a command; and a command afterwards is a command again."""
    answered = recognize(recognizer, speech("mostly jazz"), free=True)
    assert (answered.text, answered.engine) == ("mostly jazz", "pocketsphinx-answers")
    assert recognize(recognizer, speech("the warriors"), free=True).text == "the warriors"
    assert recognize(recognizer, speech("turn on the kitchen light")).text == "turn on the kitchen light"
