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
