"""Every scenario in scenarios/ passes end to end, on both brokers; a failing expectation is reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.nlu.model import NluModel
from agent.yamlfile import ConfigError
from simulator.runner import run_scenario

SCENARIOS = sorted(p for p in (Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml")
                   if p.name != "home.yaml")


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
async def test_scenario_passes(path: Path, broker_url: str, nlu: NluModel) -> None:
    report = await run_scenario(path, broker=broker_url, nlu=nlu)
    failures = [f"step {r.step} {r.trace.text!r}: {f}" for r in report.results for f in r.failures]
    assert not failures, "\n".join(failures)
    assert report.results


async def test_a_wrong_expectation_fails_the_scenario(tmp_path: Path, nlu: NluModel) -> None:
    home = SCENARIOS[0].parent / "home.yaml"
    path = tmp_path / "wrong.yaml"
    path.write_text(f"""name: wrong
home: {home}
steps:
  - say: hey home turn on the kitchen light
    device: kitchen_speaker
    expect: {{states: {{kitchen_light: {{state: "off"}}}}, response_contains: banana}}
""")
    report = await run_scenario(path, nlu=nlu)
    assert not report.passed
    assert any("kitchen_light: expected" in f for f in report.results[0].failures)
    assert any("banana" in f for f in report.results[0].failures)


def test_invalid_scenario_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"""name: bad
home: {SCENARIOS[0].parent / 'home.yaml'}
steps:
  - say: hey home hello
  - wait: soon
""")
    with pytest.raises(ConfigError) as caught:
        import asyncio
        asyncio.run(run_scenario(path))
    assert caught.value.line == 5 and caught.value.field == "steps.1.wait"
