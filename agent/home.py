"""The home file: areas, devices and users, validated on load."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agent import topics
from agent.yamlfile import load_model

DeviceType = Literal[
    "light", "switch", "cover", "oven", "climate", "media_player", "speaker",
    "coffee_maker", "kettle", "vacuum", "lock", "sensor", "binary_sensor", "alarm_clock",
    "fan", "valve", "scene", "script", "todo", "person",
]
"""Scenes and scripts are activated; a `todo` is a list (the shopping list); a `person` is someone whose
presence the home tracks (state `home`, `not_home` or a zone)."""
HOMEWIDE_TYPES = frozenset({"person", "todo", "scene", "script"})
"""Types that need not be in an area."""
IDENT = r"^[a-z0-9_]+$"
SECURITY_COVER_CLASSES = {"garage", "door", "gate"}


class Area(BaseModel):
    """A room or zone."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=IDENT)
    """Stable identifier."""
    name: str
    """What people call it ("living room")."""
    aliases: list[str] = []
    """Other names ("lounge")."""
    floor: str | None = None
    """Floor name, if the home has several."""


class Floor(BaseModel):
    """A storey: areas name it by id."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    aliases: list[str] = []
    """Other names ("downstairs")."""


class Attribute(BaseModel):
    """One state value a real device publishes, or takes, alone on a topic of its own as a bare number or word
    (Home Assistant's default schema: `brightness_state_topic`, `brightness_command_topic`)."""

    model_config = ConfigDict(extra="forbid")
    state: str | None = None
    set: str | None = None
    scale: float | None = None
    """The device's full scale for a value the agent keeps in per cent (a brightness of 255)."""


class Topics(BaseModel):
    """MQTT topics of a real device that does not follow `home/<id>/...`."""

    model_config = ConfigDict(extra="forbid")
    state: str | None = None
    set: str | None = None
    availability: str | None = None
    attributes: dict[str, Attribute] = {}
    """State keys (the agent's names) the device publishes or takes on topics of their own."""


class Device(BaseModel):
    """Something the agent can query or command."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=IDENT)
    """Stable identifier, also its MQTT topic segment."""
    name: str
    """Its everyday name ("kitchen light")."""
    aliases: list[str] = []
    """Other names people use ("the big light")."""
    area: str | None = None
    """Id of the area it is in (people, lists, scenes and scripts of the whole home have none)."""
    type: DeviceType
    """What kind of device it is."""
    device_class: str | None = None
    """Finer kind, e.g. `garage` for a cover, `temperature` for a sensor."""
    has_screen: bool = False
    """Whether it can show video."""
    satellite: bool = False
    """Whether people speak to the agent through it."""
    external_ids: list[str] = []
    """Other systems' ids for this satellite: what a Home Assistant voice satellite sends over Wyoming (its
    `assist_satellite.` entity id or its device id), so its turns are this satellite's, in its room."""
    min_temp: float | None = None
    """Lowest settable temperature (ovens, thermostats)."""
    max_temp: float | None = None
    """Highest settable temperature."""
    topics: Topics = Topics()
    """Topic overrides for real devices."""
    dialect: Literal["ambient", "zigbee2mqtt", "plain"] = "ambient"
    """Payload conventions: the agent's own (lower-case states, brightness in per cent), those of Zigbee2MQTT
    and Home Assistant's MQTT JSON schema (ON/OFF, LOCKED/UNLOCKED, brightness 0-254), or bare words (Home
    Assistant's default schema): see `agent.dialects`."""
    properties: dict[str, str] = {}
    """A real device's own names for state keys, agent's -> device's (a Zigbee thermostat's
    `target_temperature: occupied_heating_setpoint`), renamed both ways at the MQTT edge."""

    @property
    def security_sensitive(self) -> bool:
        """Opening or unlocking it needs a confirmation turn."""
        return self.type == "lock" or (
            self.type == "cover" and (self.device_class or "garage") in SECURITY_COVER_CLASSES
        )

    @property
    def is_media(self) -> bool:
        return self.type in ("media_player", "speaker")

    @property
    def brews(self) -> bool:
        """A coffee maker or a kettle: switched on, it brews for a while."""
        return self.type in ("coffee_maker", "kettle")

    def topic(self, kind: str) -> str:
        """The MQTT topic for `state`, `set` or `availability`."""
        return getattr(self.topics, kind) or topics.device_topic(self.id, kind)


class User(BaseModel):
    """Someone who lives in the home."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=IDENT)
    name: str
    preferences: dict[str, Any] = {}


class Home(BaseModel):
    """A whole home: where things are and who lives there."""

    model_config = ConfigDict(extra="forbid")
    name: str = "home"
    location: str = "Springfield"
    """Town used for weather when none is said."""
    areas: list[Area]
    floors: list[Floor] = []
    """Names of the floors the areas name (a floor no entry names is called by its id)."""
    devices: list[Device]
    users: list[User] = []

    @model_validator(mode="before")
    @classmethod
    def _not_a_scenario(cls, data: Any) -> Any:
        if isinstance(data, dict) and "steps" in data and "devices" not in data:
            raise ValueError("this is a scenario, not a home file: run it with `ambient simulate`")
        return data

    @model_validator(mode="after")
    def _check_references(self) -> Home:
        area_ids = {a.id for a in self.areas}
        for kind, ids in (("areas", [a.id for a in self.areas]), ("devices", [d.id for d in self.devices])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {kind} id: {', '.join(dupes)}")
        for device in self.devices:
            if device.area is None and device.type not in HOMEWIDE_TYPES:
                raise ValueError(f"device {device.id!r} needs an area")
            if device.area is not None and device.area not in area_ids:
                raise ValueError(f"device {device.id!r} is in unknown area {device.area!r}")
        return self

    @cached_property
    def all_floors(self) -> list[Floor]:
        """The listed floors, and those only the areas name."""
        listed = {f.id for f in self.floors}
        named = dict.fromkeys(a.floor for a in self.areas if a.floor and a.floor not in listed)
        return [*self.floors, *(Floor(id=f, name=f.replace("_", " ")) for f in named if f)]

    @cached_property
    def device_by_id(self) -> dict[str, Device]:
        return {d.id: d for d in self.devices}

    @cached_property
    def area_by_id(self) -> dict[str, Area]:
        return {a.id: a for a in self.areas}

    @cached_property
    def device_names(self) -> frozenset[str]:
        """Every device's name and aliases, lowercase."""
        return frozenset(n.lower() for d in self.devices for n in (d.name, *d.aliases))

    def device(self, device_id: str) -> Device | None:
        return self.device_by_id.get(device_id)

    def devices_called(self, name: str) -> list[Device]:
        """The devices whose name or an alias is `name` (any case)."""
        said = name.lower()
        return [d for d in self.devices if said in (d.name.lower(), *(a.lower() for a in d.aliases))]

    def area_name(self, area_id: str | None) -> str | None:
        area = self.area_by_id.get(area_id or "")
        return area.name if area else None

    @property
    def satellites(self) -> list[Device]:
        return [d for d in self.devices if d.satellite]

    def default_satellite(self) -> Device | None:
        return self.satellites[0] if self.satellites else None

    def satellite_known_as(self, external_id: str) -> Device | None:
        """The device another system calls `external_id` (one of its `external_ids`, or its own id)."""
        return next((d for d in self.devices if external_id == d.id or external_id in d.external_ids), None)


def load_home(path: Path | str) -> Home:
    """Load and validate a home file; raises ConfigError naming the file, line and field."""
    return load_model(path, Home)
