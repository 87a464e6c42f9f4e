"""The home file: the demo home loads; broken homes are refused with file, line and field."""

from pathlib import Path

import pytest

from agent.home import load_home
from agent.yamlfile import ConfigError

DEMO = Path(__file__).resolve().parent.parent / "scenarios" / "home.yaml"


def test_demo_home_loads_with_satellites_and_security_devices() -> None:
    home = load_home(DEMO)
    assert {d.id for d in home.satellites} == {"kitchen_speaker", "tv", "bedroom_speaker"}
    assert home.device("garage_door").security_sensitive
    assert home.device("front_door").security_sensitive
    assert not home.device("kitchen_light").security_sensitive
    assert home.device("tv").has_screen and not home.device("kitchen_speaker").has_screen


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "home.yaml"
    path.write_text(text)
    return path


def test_wrong_field_type_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, """areas:
  - {id: kitchen, name: kitchen}
devices:
  - id: lamp
    name: lamp
    area: kitchen
    type: toaster
""")
    with pytest.raises(ConfigError) as caught:
        load_home(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == 7
    assert error.field == "devices.0.type"
    assert str(path) in str(error) and ":7:" in str(error)


def test_device_in_unknown_area_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, """areas: [{id: kitchen, name: kitchen}]
devices: [{id: lamp, name: lamp, area: attic, type: light}]
""")
    with pytest.raises(ConfigError, match="unknown area 'attic'"):
        load_home(path)


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"home.yaml:3: invalid YAML"):
        load_home(write(tmp_path, "areas: [\n  {id: x\n"))
    with pytest.raises(ConfigError, match="cannot read file"):
        load_home(tmp_path / "missing.yaml")


def test_unknown_key_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, """areas: [{id: kitchen, name: kitchen}]
devices:
  - {id: lamp, name: lamp, area: kitchen, type: light, colour: red}
""")
    with pytest.raises(ConfigError) as caught:
        load_home(path)
    assert caught.value.line == 3 and caught.value.field == "devices.0.colour"
