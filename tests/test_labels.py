"""Automatic labels: failed requests labelled by the successful rephrase after them."""

from __future__ import annotations

from pathlib import Path

from agent.learn.labels import auto_labels, read_labels, write_labels
from agent.nlu.generate import Example
from agent.trace import Stage, StageRecord, TurnTrace


def turn(user: str, at: float, heard: str, intent: str | None, outcome: str, rephrase_of: str | None = None
         ) -> TurnTrace:
    trace = TurnTrace(user, "kitchen_speaker", "kitchen", at, ended_at=at + 1, intent=intent, outcome=outcome,
                      rephrase_of=rephrase_of)
    trace.stages.append(StageRecord(Stage.ASR, {}, {"text": heard}, 0.9, 1.0))
    return trace


def session(user: str, at: float, failed_as: str | None = "OutOfDomain", said: str = "douse the floor lamp",
            meant: str = "HassTurnOff", outcome: str = "success") -> list[TurnTrace]:
    first = turn(user, at, said, failed_as, "unsupported")
    return [first, turn(user, at + 4, "turn off the floor lamp", meant, outcome, rephrase_of=first.turn_id)]


def test_a_failed_request_rephrased_successfully_by_two_people_becomes_a_label() -> None:
    labels = auto_labels([*session("ann", 0), *session("ben", 100)])
    assert [(l.text, l.intent, l.support) for l in labels] == [("douse the floor lamp", "HassTurnOff", 2)]


def test_no_label_from_one_session_a_failed_rephrase_or_a_request_that_was_understood() -> None:
    assert auto_labels(session("ann", 0)) == []
    assert auto_labels([*session("ann", 0, outcome="unresolved"), *session("ben", 100, outcome="unresolved")]) == []
    # understood as turning off, but the wrong lamp: the words were not the problem
    assert auto_labels([*session("ann", 0, failed_as="HassTurnOff"), *session("ben", 100, failed_as="HassTurnOff")]) == []


def test_words_labelled_two_ways_teach_nothing() -> None:
    mixed = [*session("ann", 0), *session("ben", 100), *session("cy", 200, meant="HassTurnOn"),
             *session("di", 300, meant="HassTurnOn")]
    assert auto_labels(mixed) == []


def test_labels_saved_are_what_the_agent_trains_with(tmp_path: Path) -> None:
    labels = auto_labels([*session("ann", 0), *session("ben", 100)])
    path = tmp_path / "nlu_labels.json"
    write_labels(labels, [Example("douse the xlightx", "HassTurnOff")], path)
    assert read_labels(path) == [Example("douse the xlightx", "HassTurnOff")]
    assert read_labels(tmp_path / "none.json") == []
