"""The weather: a deterministic simulated service, and the skill that speaks it."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from agent.turn import Outcome, Resolution, Result
from skills.base import Skill, SkillContext

CONDITIONS = ("sunny", "sunny", "partly cloudy", "cloudy", "cloudy", "rainy", "windy", "foggy")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class WeatherReport:
    """The weather at one place on one day (degrees Fahrenheit)."""

    location: str
    day: date
    temperature: int
    """Now (current) or the daytime temperature (forecast)."""
    high: int
    low: int
    condition: str
    """sunny, partly cloudy, cloudy, rainy, snowy, windy or foggy."""
    humidity: int
    """Percent."""


class SimulatedWeather:
    """Plausible weather that depends only on (location, day): the same question gets the same answer."""

    def current(self, location: str, ts: float) -> WeatherReport:
        moment = datetime.fromtimestamp(ts)
        report = self._day(location, moment.date())
        # Coolest around 5 AM, warmest around 3 PM.
        hour = moment.hour + moment.minute / 60
        swing = (report.high - report.low) / 2
        temperature = round((report.high + report.low) / 2 - swing * math.cos(2 * math.pi * (hour - 5) / 20)
                            if 5 <= hour <= 25 else report.low)
        return WeatherReport(report.location, report.day, temperature, report.high, report.low,
                             report.condition, report.humidity)

    def forecast(self, location: str, ts: float, day: str | int = "today") -> WeatherReport:
        """`day`: today, tomorrow, a weekday name, or a number of days ahead."""
        return self._day(location, datetime.fromtimestamp(ts).date() + timedelta(days=days_ahead(day, ts)))

    def _day(self, location: str, day: date) -> WeatherReport:
        seed = hashlib.sha256(f"{location.strip().lower()}|{day.isoformat()}".encode()).digest()
        # Seasonal normal for a temperate northern town: about 30 F in mid-January, 80 F in mid-July.
        normal = 55 - 25 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)
        mean = normal + (seed[0] / 255 - 0.5) * 20
        spread = 8 + seed[1] % 10
        high, low = round(mean + spread / 2), round(mean - spread / 2)
        condition = CONDITIONS[seed[2] % len(CONDITIONS)]
        if condition == "rainy" and mean <= 34:
            condition = "snowy"
        humidity = 30 + seed[3] % 50 + (20 if condition in ("rainy", "snowy", "foggy") else 0)
        return WeatherReport(location, day, round(mean), high, low, condition, min(humidity, 100))


def days_ahead(day: str | int | None, ts: float) -> int:
    """0 for today, 1 for tomorrow, 0-6 for a weekday name (the next one)."""
    if isinstance(day, int):
        return max(0, day)
    word = (day or "today").strip().lower()
    if word in ("tomorrow",):
        return 1
    if word in WEEKDAYS:
        return (WEEKDAYS.index(word) - datetime.fromtimestamp(ts).weekday()) % 7
    return 0


class WeatherService(Protocol):
    """Where weather comes from (`SimulatedWeather` offline; a real service has the same two calls)."""

    def current(self, location: str, ts: float) -> WeatherReport: ...

    def forecast(self, location: str, ts: float, day: str | int = "today") -> WeatherReport: ...


NO_WEATHER = "I have no weather service to ask."


def place(location: str) -> str:
    """'springfield' -> 'Springfield'; names already capitalised are kept as said."""
    return location.title() if location.islower() else location


class WeatherSkill(Skill):
    """HassGetWeather: now, or a day's forecast, here or in a named town."""

    intents = frozenset({"HassGetWeather"})

    async def handle(self, request: Resolution, ctx: SkillContext) -> Result:
        location = place(str(request.values.get("location") or ctx.home.location))
        day = str(request.values.get("day") or "today").strip().lower()
        service = ctx.services.weather
        if service is None:
            return Result(NO_WEATHER, Outcome.UNSUPPORTED)
        now = ctx.clock.now()
        ahead = days_ahead(day, now)
        try:
            report = service.current(location, now) if ahead == 0 else service.forecast(location, now, day)
        except Exception:  # noqa: BLE001 - a real weather service can fail in many ways
            return Result("I can't get the weather right now.", Outcome.ERROR)
        data = {"location": location, "day": report.day.isoformat(), "temperature": report.temperature,
                "high": report.high, "low": report.low, "condition": report.condition}
        if ahead == 0:
            speech = f"In {location} it's {report.temperature} degrees and {report.condition}."
        else:
            when = "Tomorrow" if ahead == 1 else f"On {report.day:%A}"
            speech = (f"{when} in {location} expect {report.condition} weather, "
                      f"with a high of {report.high} and a low of {report.low}.")
            if report.condition in ("rainy", "snowy"):
                kind = "rain" if report.condition == "rainy" else "snow"
                speech = f"{when} in {location} expect {kind}, with a high of {report.high} and a low of {report.low}."
        return Result(speech, Outcome.SUCCESS, data=data)
