"""The `ambient` command line as a user runs it: real processes, real broker, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def ambient(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "agent", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=300)


def test_parse_reads_thousands_of_lines_in_one_process(nlu: object) -> None:
    lines = ["turn on the kitchen light", "play hunger games", "what's the weather in boston", ""] * 750
    done = ambient("parse", stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == 3000
    assert {"text", "intent", "slots", "confidence"} <= set(rows[0])
    assert rows[0]["intent"] == "HassTurnOn" and rows[1]["intent"] == "HassMediaSearchAndPlay"
    assert rows[2]["slots"].get("location") == "boston"
    assert rows[3]["intent"] == "OutOfDomain"


def test_parse_takes_arguments_too(nlu: object) -> None:
    done = ambient("parse", "set the bedroom lamp to 40 percent")
    row = json.loads(done.stdout)
    assert row["intent"] == "HassLightSet" and row["slots"]["brightness"] == 40


def test_say_acts_on_simulated_devices_and_logs(tmp_path: Path, nlu: object) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    done = ambient("say", "turn on the kitchen light", "--json", "--user", "alice", "--db", db)
    assert done.returncode == 0, done.stderr
    trace = json.loads(done.stdout)
    assert trace["intent"] == "HassTurnOn" and trace["outcome"] == "success"
    assert trace["user"] == "alice" and "kitchen_light" in trace["devices"]
    import sqlalchemy as sa
    with sa.create_engine(db).connect() as conn:
        assert conn.execute(sa.text("select count(*) from turns")).scalar() == 1


def test_replay_shows_what_a_logged_turn_did_then_and_means_now(tmp_path: Path, nlu: object) -> None:
    db = f"sqlite:///{tmp_path / 'log.db'}"
    said = json.loads(ambient("say", "turn on the kitchen light", "--json", "--db", db).stdout)
    done = ambient("replay", said["turn_id"][:10], "--db", db)
    assert done.returncode == 0, done.stderr
    then, now = done.stdout.splitlines()
    assert then.split()[0] == "then" and "HassTurnOn kitchen_light" in then and "success" in then
    assert now.split()[0] == "now" and "HassTurnOn kitchen_light" in now and "not carried out" in now
    missing = ambient("replay", "0123456789", "--db", db)
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "no single turn" in missing.stderr


def test_say_with_a_broken_home_names_the_line(tmp_path: Path) -> None:
    home = tmp_path / "home.yaml"
    home.write_text("areas: [{id: kitchen, name: kitchen}]\ndevices:\n  - {id: x, name: x, area: kitchen}\n")
    done = ambient("say", "hello", "--home", str(home))
    assert done.returncode == 2
    assert f"{home}:3: devices.0.type: Field required" in done.stderr.replace("\n", "")


def test_simulate_exit_codes_and_report(tmp_path: Path, nlu: object) -> None:
    report = tmp_path / "report.json"
    ok = ambient("simulate", "scenarios/hunger_games.yaml", "--report", str(report))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(report.read_text())["passed"] is True
    scenario = yaml.safe_load((ROOT / "scenarios" / "hunger_games.yaml").read_text())
    scenario["home"] = str(ROOT / "scenarios" / "home.yaml")
    scenario["steps"][0]["expect"]["response_contains"] = "audiobook"
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(yaml.safe_dump(scenario))
    failed = ambient("simulate", str(wrong))
    assert failed.returncode == 1
    assert "1 failed" in failed.stdout


def test_chat_answers_each_line_until_end_of_input(tmp_path: Path, nlu: object) -> None:
    done = ambient("chat", "--device", "kitchen_speaker", "--db", f"sqlite:///{tmp_path / 'log.db'}",
                   stdin="turn on the light\nis the kitchen light on\n\nwhat's the weather\n")
    assert done.returncode == 0, done.stderr
    answers = [line for line in done.stdout.splitlines() if "home>" in line]
    assert len(answers) == 3
    assert "Turned on the kitchen light" in answers[0]
    assert "Yes, the kitchen light is on" in answers[1]
    assert "Springfield" in answers[2]


async def test_devices_command_serves_the_home_on_a_broker(amqtt_url: str) -> None:
    import asyncio

    from agent.broker import parse_broker_url
    from agent.home import load_home

    home = load_home(ROOT / "scenarios" / "home.yaml")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "agent", "devices", "--broker", amqtt_url, cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        seen: dict[str, dict] = {}
        async with parse_broker_url(amqtt_url).client(identifier="checker") as client:
            await client.subscribe("home/+/state")
            await client.publish("home/garage_door/set", json.dumps({"state": "open"}))

            async def collect() -> None:
                async for message in client.messages:
                    seen[str(message.topic).split("/")[1]] = json.loads(message.payload)
                    if set(seen) >= set(home.device_by_id) and seen["garage_door"]["state"] != "closed":
                        return

            for _ in range(20):  # the command may arrive before the devices subscribe; repeat it until it lands
                try:
                    await asyncio.wait_for(collect(), 1)
                    break
                except TimeoutError:
                    assert process.returncode is None, await process.stderr.read()
                    await client.publish("home/garage_door/set", json.dumps({"state": "open"}))
        assert seen["garage_door"]["state"] in ("opening", "open")
    finally:
        process.terminate()
        await process.wait()
