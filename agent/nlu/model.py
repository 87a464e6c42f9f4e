"""The public NLU: load (training if needed) a cached spaCy pipeline and parse text into intents."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRecognizer, EntityRuler, TextCategorizer
from spacy.pipeline.entityruler import PatternType
from spacy.tokens import Doc, Span

from agent.home import Home
from agent.kinds import KIND_OF_TYPE
from agent.nlu import english
from agent.nlu.assist import HomeSentences
from agent.nlu.generate import Example, placeholder
from agent.nlu.intents import (
    CHANGE_NOTHING,
    DEVICE_KIND,
    NUMERIC_SLOTS,
    OUT_OF_DOMAIN,
    PRONOUNS,
    RELATIVE_VOLUME,
    SLOTS_BY_INTENT,
)
from agent.nlu.match import PART_SHARE, TemplateMatch, TemplateMatcher
from agent.nlu.slots import DURATION_SLOTS, closed_class, duration_parts, slot_value
from agent.nlu.train import META_FILE, TrainConfig, ensure_trained
from agent.nlu.wildcard import query_span
from agent.text import normalise, words_of
from agent.turn import Intent, SlotValue

CONFIDENCE_FLOOR = 0.3
"""Below this intent score the request is treated as OutOfDomain."""
KNOWN_SHARE_FLOOR = 0.25
"""Below this share of words seen in training (home names aside) the input is treated as nonsense."""
HOME_ID = "home"
"""Entity-ruler pattern id prefix marking the home's own vocabulary (`home:<kind>` for devices)."""
DEFAULT_SLOTS: dict[str, dict[str, SlotValue]] = {"HassOvenSetTemperature": {"name": "oven"}}
"""Slots implied by the intent when not said."""

ABOUT_OTHERS = frozenset({"he", "she", "they"})
"""First words of talk about other people ("he turned the volume down on his headphones"), never of a request to
us: a sentence no template says that starts so is not a command. The tokenizer splits "he's" and "theyre" after
the pronoun, so these cover them."""
_CLAUSE_END = re.compile(r"[,;:?!.]\s+")
REFERRING_SLOTS = ("name", "area", "floor")


class NluModel:
    """A trained intent classifier and slot tagger, with the home's names recognised as they are."""

    def __init__(self, nlp: Language, known_words: frozenset[str], floor: float = CONFIDENCE_FLOOR) -> None:
        self.nlp = nlp
        """The spaCy pipeline: entity_ruler, textcat, ner."""
        self.known_words = known_words
        """Lowercase words seen in training."""
        self.floor = floor
        """Confidence floor for in-domain intents."""
        self.has_home = bool(_ruler(nlp).patterns)
        """Whether the entity ruler holds a home's names."""
        self.matcher: TemplateMatcher | None = None
        """The templates with the home's slot lists: what they say exactly is parsed without the model."""
        self.assist: HomeSentences | None = None
        """Home Assistant's sentences with the home's names: what they say is parsed without the model."""
        self.device_names: frozenset[str] = frozenset()
        """The home's device names and aliases, lower case."""

    @classmethod
    def load(cls, home: Home | None = None, cache_dir: Path | None = None,
             config: TrainConfig | None = None, extra: Sequence[Example] = ()) -> NluModel:
        """Load the cached model for `config` (with `extra` examples for the intent classifier: see
        `classifier_text`), training and caching it first if there is none."""
        english.pipeline()  # a missing or altered English tagger is said at once, not at the first story told
        path = ensure_trained(config or TrainConfig(), cache_dir, extra=extra)
        meta = json.loads((path / META_FILE).read_text())
        model = cls(spacy.load(path), frozenset(meta["known_words"]))
        if home is not None:
            model.use_home(home)
        return model

    def use_home(self, home: Home) -> None:
        """Recognise `home`'s device, area and floor names (and aliases) from now on, replacing any previous home."""
        ruler = _ruler(self.nlp)
        ruler.clear()
        patterns: list[PatternType] = [
            {"label": "name", "pattern": phrase.lower(), "id": _home_id(KIND_OF_TYPE.get(device.type))}
            for device in home.devices for phrase in (device.name, *device.aliases)
        ]
        patterns += [
            {"label": "area", "pattern": phrase.lower(), "id": HOME_ID}
            for area in home.areas for phrase in (area.name, *area.aliases)
        ]
        patterns += [
            {"label": "floor", "pattern": phrase.lower(), "id": HOME_ID}
            for floor in home.all_floors for phrase in (floor.name, *floor.aliases)
        ]
        ruler.add_patterns(patterns)
        self.has_home = bool(patterns)
        self.matcher = TemplateMatcher(home)
        self.assist = HomeSentences(home)
        self.device_names = home.device_names

    def parse(self, text: str, area: str | None = None) -> Intent:
        """The intent and slots of one utterance (said in `area`, an area id, when known); never raises on odd
        input."""
        return next(self.parse_many([text], area=area))

    def parse_many(self, texts: Iterable[str], batch_size: int = 256, area: str | None = None) -> Iterator[Intent]:
        """Parse many utterances in batches, in order: what our templates say exactly, then what Home
        Assistant's sentences say, then our templates' partial matches and the trained model; a reading that would
        change something is dropped when neither set of sentences says the text exactly and it tells what
        happened."""
        for intent, said in self._readings(texts, batch_size, area):
            yield intent if said else _not_told_of_the_past(intent)

    def _readings(self, texts: Iterable[str], batch_size: int, area: str | None) -> Iterator[tuple[Intent, bool]]:
        """Each text's reading, and whether our templates or Home Assistant's sentences say it exactly."""
        texts = iter(texts)
        while batch := list(islice(texts, batch_size)):
            clean = [normalise(text) for text in batch]
            matched = [self.matcher.match(c) if self.matcher and c else [] for c in clean]
            exact = [len(m) == 1 for m in matched]
            assisted = [self.assist.match(c, area) if self.assist and c and not sure else None
                        for c, sure in zip(clean, exact)]
            matched = [self.matcher.match_part(c) if self.matcher and c and not m and not a else m
                       for c, m, a in zip(clean, matched, assisted)]  # only what nothing says exactly
            docs = iter(self._analyse([c for c, sure, a in zip(clean, exact, assisted) if c and not sure and not a]))
            for text, c, matches, sure, assist in zip(batch, clean, matched, exact, assisted):
                if sure:
                    intent = Intent(matches[0].intent, _slots(matches[0].intent, matches[0].slots), 1.0, text)
                elif assist is not None:
                    intent = dataclasses.replace(assist, text=text)
                elif len(matches) == 1:
                    intent = self._with_antecedent(self._partial(text, matches[0], next(docs)), area)
                elif matches:
                    intent = self._with_antecedent(self._choose(text, matches, next(docs)), area)
                else:
                    intent = self._with_antecedent(self._intent(text, next(docs)), area) if c else Intent(
                        OUT_OF_DOMAIN, {}, 1.0, text)
                yield _heard_in(_asked_not_told(_home_assistant_reading(intent)), self.assist.home.area_name(area)
                                if self.assist and area else None, self.device_names), sure or assist is not None

    def _with_antecedent(self, intent: Intent, area: str | None) -> Intent:
        """A request no template says whose last clause is a command that refers back ("someone left the garage
        light on again, turn it off"): that command, on what the clauses before it name."""
        *before, last = _CLAUSE_END.split(intent.text.strip())
        if not before or PRONOUNS.isdisjoint(normalise(last).split()):
            return intent
        (command, _), (context, _) = self._readings([last, " ".join(before)], 2, area)
        allowed = SLOTS_BY_INTENT.get(command.name, frozenset())
        named = {k: v for k, v in context.slots.items() if k in REFERRING_SLOTS and k in allowed}
        if command.name == OUT_OF_DOMAIN or not named or command.slots.keys() & set(REFERRING_SLOTS):
            return intent
        kind = DEVICE_KIND.get(command.name)
        called = self.assist.home.devices_called(str(named.get("name", ""))) if self.assist else []
        if kind and any(KIND_OF_TYPE.get(d.type, kind) != kind for d in called):
            return intent  # "the desk lamp is too blue, make it warmer" does not set a thermostat
        return Intent(command.name, {**named, **command.slots}, command.confidence, intent.text)

    def _analyse(self, texts: list[str]) -> list[Doc]:
        """Run the pipeline; the intent classifier sees the home's device names as kind placeholders."""
        docs = [self.nlp.make_doc(text) for text in texts]
        if self.has_home:
            docs = list(_ruler(self.nlp).pipe(docs))
        textcat = cast(TextCategorizer, self.nlp.get_pipe("textcat"))  # get_pipe is typed as any component
        views = list(textcat.pipe([self._classifier_view(doc) for doc in docs]))
        for doc, view in zip(docs, views):
            doc.cats = view.cats
        return list(cast(EntityRecognizer, self.nlp.get_pipe("ner")).pipe(docs))

    def classifier_text(self, text: str) -> str:
        """`text` as the intent classifier sees it (the home's device names as kind placeholders): the form
        extra training examples take."""
        doc = self.nlp.make_doc(normalise(text))
        if self.has_home:
            doc = self.nlp.get_pipe("entity_ruler")(doc)
        return self._classifier_view(doc).text

    def _classifier_view(self, doc: Doc) -> Doc:
        """`doc` with each of the home's device names replaced by its kind's placeholder ("xlightx")."""
        if not any(ent.ent_id_.startswith(f"{HOME_ID}:") for ent in doc.ents):
            return doc
        words, cursor = [], 0
        for ent in doc.ents:
            if ent.ent_id_.startswith(f"{HOME_ID}:"):
                words += [t.text for t in doc[cursor:ent.start]] + [placeholder(ent.ent_id_.split(":", 1)[1])]
                cursor = ent.end
        words += [t.text for t in doc[cursor:]]
        return Doc(self.nlp.vocab, words=words)

    def _partial(self, text: str, match: TemplateMatch, doc: Doc) -> Intent:
        """A template says part of the text: its intent and slots, each slot extended where the trained model
        reads it on into the words left over ("weather in wilkerson" + "california"), and slots the model
        found there added, when the model agrees on the intent; none is added from an aside alone ("turn it
        down, the baby's asleep" names no device "baby"). The share of the words said is the confidence; a
        command shorter than `PART_SHARE` of them (beside an aside) is as sure as the model when the model reads
        it so too ("what time is it, I have to leave soon"), as it was before such commands were matched."""
        slots = _slots(match.intent, match.slots)
        model = self._intent(text, doc)
        confidence = match.share
        if model.name == match.intent:
            for key, value in model.slots.items():
                if key in slots and f" {slots[key]} " in f" {value} " or key not in slots and (
                        not match.beside_aside or not set(match.beside_aside).isdisjoint(words_of(str(value)))):
                    slots[key] = value
            if match.share < PART_SHARE:
                confidence = max(confidence, model.confidence)
        return Intent(match.intent, slots, confidence, text)

    def _choose(self, text: str, matches: list[TemplateMatch], doc: Doc) -> Intent:
        """Several intents' templates say the text: the one the classifier prefers among them."""
        best = max(matches, key=lambda m: doc.cats.get(m.intent, 0.0))
        share = doc.cats.get(best.intent, 0.0) / (sum(doc.cats.get(m.intent, 0.0) for m in matches) or 1.0)
        return Intent(best.intent, _slots(best.intent, best.slots), round(share * best.share, 4), text)

    def _intent(self, text: str, doc: Doc) -> Intent:
        name, score = max(doc.cats.items(), key=lambda item: item[1])
        if not self._plausible(doc) or doc[:1].text.lower() in ABOUT_OTHERS:
            return Intent(OUT_OF_DOMAIN, {}, 1.0, text)
        if score < self.floor and name != OUT_OF_DOMAIN:
            return Intent(OUT_OF_DOMAIN, {}, round(1.0 - score, 4), text)
        said = mentions(doc, SLOTS_BY_INTENT.get(name, frozenset()), DEVICE_KIND.get(name))
        slots = _slots(name, said)
        if name in DEFAULT_SLOTS and not any(label in ("name", "area") for label, _ in said):
            slots |= self._unknown_object(doc)
        if name == "HassMediaSearchAndPlay":
            slots = _with_wildcard_query(doc, slots)
        if name == "HassGetWeather" and "location" not in slots:
            slots = _with_trailing_location(doc, slots)
        if name in NAMED_TARGET and not slots.keys() & {"name", "area"}:
            slots = _with_object_name(doc, slots)
        return Intent(name, slots, round(score, 4), text)

    def _unknown_object(self, doc: Doc) -> dict[str, SlotValue]:
        """"preheat the grill to 200": a thing named after "the" that no training sentence ever said is a device
        the home may lack, not the device the intent implies (the oven is not heated for a grill); "preheat the
        temperature to 200" names nothing new."""
        named = _with_object_name(doc, {}).get("name")
        if isinstance(named, str) and not set(named.split()) <= self.known_words:
            return {"name": named}
        return {}

    def _plausible(self, doc: Doc) -> bool:
        """Whether enough of the words are ones the model knows (home names count as known)."""
        words = [t for t in doc if not (t.ent_id_.startswith(HOME_ID) or t.like_num)]
        if not words:
            return True
        known = sum(t.lower_ in self.known_words for t in words)
        return known / len(words) >= KNOWN_SHARE_FLOOR


def _with_wildcard_query(doc: Doc, slots: dict[str, SlotValue]) -> dict[str, SlotValue]:
    """Use the words after the play verb as the title when the tagger missed it or cut it short."""
    span = query_span([t.lower_ for t in doc])
    if span is None:
        return slots
    query = doc[span[0]:span[1]].text
    tagged = slots.get("search_query")
    if tagged is not None and (tagged == query or f" {tagged} " not in f" {query} "):
        return slots
    return {k: v for k, v in slots.items() if k not in ("name", "area") or f" {v} " not in f" {query} "} | {
        "search_query": query}


NAMED_TARGET = frozenset({"HassTurnOn", "HassTurnOff", "HassLockDoor", "HassUnlockDoor", "HassVacuumStart"})
"""Intents whose object is a device: without one, the words after "the" name it."""


def _with_object_name(doc: Doc, slots: dict[str, SlotValue]) -> dict[str, SlotValue]:
    """"turn on the oboe": the words after the first "the" (up to a stop word) name a device the tagger
    missed, so an unknown device is reported as unknown instead of the room's lights being switched."""
    words = [t.lower_ for t in doc if not t.is_punct]
    start = next((i + 1 for i, w in enumerate(words) if w in ("the", "my", "our")), None)
    if start is None:
        return slots
    end = start
    while end < len(words) and words[end] not in NAME_STOP_WORDS:
        end += 1
    return slots | {"name": " ".join(words[start:end])} if end > start else slots


WHEN_WORDS = frozenset({"today", "tomorrow", "tonight", "now", "this", "next", "week", "weekend", "morning",
                        "afternoon", "evening", "monday", "tuesday", "wednesday", "thursday", "friday",
                        "saturday", "sunday", "please"})


def _with_trailing_location(doc: Doc, slots: dict[str, SlotValue]) -> dict[str, SlotValue]:
    """"weather in boston": the words after the last "in"/"for", when the tagger found no place."""
    words = [t.lower_ for t in doc if not t.is_punct]
    anchors = [i for i, w in enumerate(words) if w in ("in", "for")]
    if not anchors:
        return slots
    place = []
    for word in words[anchors[-1] + 1:]:
        if word in WHEN_WORDS:
            break
        place.append(word)
    return slots | {"location": " ".join(place)} if place and place[0] not in ("the", "a") else slots


def _home_kind(ent: Span) -> str | None:
    """The device kind of one of the home's names, None for other entities."""
    prefix = f"{HOME_ID}:"
    return ent.ent_id_[len(prefix):] if ent.ent_id_.startswith(prefix) else None


def _home_assistant_reading(intent: Intent) -> Intent:
    """Our templates' and model's readings as Home Assistant's intents: HassVolumeUp / Down are its
    HassSetVolumeRelative; starting the vacuum in a room ("vacuum the kitchen") is its HassVacuumCleanArea."""
    direction = RELATIVE_VOLUME.get(intent.name)
    if direction is not None:
        return dataclasses.replace(intent, name="HassSetVolumeRelative",
                                   slots={**intent.slots, "volume_step": direction})
    if intent.name == "HassVacuumStart" and intent.slots.get("area"):
        return dataclasses.replace(intent, name="HassVacuumCleanArea")
    return intent


QUESTION_OPENERS = frozenset({"did", "was", "were", "has", "have", "had", "is", "are"})
"""Words that open a question about how things are or what happened, not a request ("can you ..."), unless
followed by one of `REQUEST_SUBJECTS` ("is it possible to ...", "are you able to ...")."""
REQUEST_SUBJECTS = frozenset({"it", "there", "you"})


def _asked_not_told(intent: Intent) -> Intent:
    """"did the kids leave the tv on again" asks whether the tv is on, "is everything off upstairs" whether all is
    off: read as switching, they acted on a question. Not when the words go on to a command that refers back
    ("did someone leave it open close it")."""
    words = words_of(intent.text)
    if (intent.name not in NAMED_TARGET or len(words) < 2 or words[0] not in QUESTION_OPENERS
            or words[1] in REQUEST_SUBJECTS or not PRONOUNS.isdisjoint(words)):
        return intent
    state = next((value for word in reversed(words) if closed_class(word, frozenset({"state"}))
                  and (value := slot_value("state", word)) is not None), None)
    if state is None:
        return intent
    allowed = SLOTS_BY_INTENT["HassGetState"]
    slots = {key: value for key, value in intent.slots.items() if key in allowed}
    return Intent("HassGetState", slots | {"state": state}, intent.confidence, intent.text)


def _not_told_of_the_past(intent: Intent) -> Intent:
    """A sentence no template says that tells what happened ("the lights went out during the storm", "who left
    the kitchen light on all night last week") asks for nothing to be done: the classifier's guess at an action
    from its words is dropped. Questions stay questions ("did I leave the oven on")."""
    if intent.name in CHANGE_NOTHING or not english.tells_the_past(intent.text):
        return intent
    return Intent(OUT_OF_DOMAIN, {}, 1.0, intent.text)


def _heard_in(intent: Intent, area: str | None, names: frozenset[str]) -> Intent:
    """A request for devices that names no place nor device of the home (`names`: "turn on the lights"), said
    in `area`: that area's. Questions about the whole home ("which doors are unlocked") stay the home's."""
    slots = intent.slots
    if (area is None or "area" not in SLOTS_BY_INTENT.get(intent.name, frozenset())
            or {"area", "floor"} & set(slots) or str(slots.get("name", "")).lower() in names
            or slots.get("query") in ("any", "all", "which", "how_many")):
        return intent
    return dataclasses.replace(intent, slots={**slots, "area": area})


def _ruler(nlp: Language) -> EntityRuler:
    """The pipeline's entity ruler (`get_pipe` is typed as returning any component)."""
    return cast(EntityRuler, nlp.get_pipe("entity_ruler"))


def _home_id(kind: str | None) -> str:
    return f"{HOME_ID}:{kind}" if kind else HOME_ID


def _slots(intent: str, said: Iterable[tuple[str, str]]) -> dict[str, SlotValue]:
    """Slot values from (slot, text) mentions; the first mention of a slot wins, durations add up."""
    slots: dict[str, SlotValue] = {}
    duration: dict[str, int | float] = {}
    for label, text in said:
        if label in DURATION_SLOTS or label == "duration":
            for unit, amount in duration_parts(label, text).items():
                duration[unit] = duration.get(unit, 0) + amount
        elif label not in slots:
            value = slot_value(label, text)
            if value not in (None, ""):
                slots[label] = value
    slots.update({unit: duration[unit] for unit in DURATION_SLOTS if unit in duration})
    return DEFAULT_SLOTS.get(intent, {}) | slots


def mentions(doc: Doc, allowed: frozenset[str], kind: str | None = None) -> list[tuple[str, str]]:
    """(slot, text) pairs from the tagged entities, repaired where the tagger is known to slip.

    Numbers split around "and" are joined ("four hundred" "and" "twenty five"), a duration keeps a
    trailing "and a half", a closed-class word tagged with a slot the intent cannot carry is relabelled,
    and an untagged closed-class word (a state, a color) is picked up. When one of the home's devices is named,
    names the tagger guessed are dropped ("did the kids leave the tv on"); when the intent acts on one `kind`
    of device and one of the home's names said is of that kind, names of other kinds are words, not targets
    ("heat the oven": "heat" names the thermostat too).
    """
    found: list[tuple[str, str]] = []
    covered: set[int] = set()
    previous_end = -1
    ents = device_names_repaired(doc, allowed)
    if any(_home_kind(ent) for ent in ents):  # one of the home's devices is named: other "names" are guesses
        ents = [ent for ent in ents if ent.label_ != "name" or _home_kind(ent)]
    if kind is not None and any(_home_kind(ent) == kind for ent in ents):
        ents = [ent for ent in ents if ent.label_ != "name" or _home_kind(ent) == kind]
    for ent in ents:
        label, text, end = ent.label_, ent.text, ent.end
        if label == "name" and _verb_switch(ent):
            continue
        if label in DURATION_SLOTS and doc[end:end + 3].text == "and a half":
            text, end = f"{text} and a half", end + 3
        if label not in allowed:
            label = closed_class(text, allowed) or ("location" if label == "area" and "location" in allowed else label)
        between = doc[previous_end:ent.start].text if previous_end >= 0 else None
        if found and found[-1][0] == label and label in NUMERIC_SLOTS and between in ("", "and"):
            found[-1] = (label, f"{found[-1][1]} {between} {text}")
        elif label in allowed:
            found.append((label, text))
        covered.update(range(ent.start, end))
        previous_end = end
    for token in doc:
        if token.i not in covered:
            closed = closed_class(token.text, allowed)
            if closed and all(slot != closed for slot, _ in found):
                found.append((closed, token.text))
    return found


NAME_STOP_WORDS = frozenset({"please", "to", "in", "on", "off", "for", "and", "at", "now", "up", "down", "too"})


def _verb_switch(ent: Span) -> bool:
    """"switch on the telly": the verb, not a device called switch ("turn the switch on" is one)."""
    doc = ent.doc
    return (ent.text.lower() == "switch" and doc[ent.end:ent.end + 1].text.lower() in ("on", "off")
            and (ent.start == 0 or doc[ent.start - 1].lower_ not in DETERMINERS))


DETERMINERS = frozenset({"the", "my", "our", "a", "that", "this", "your"})


def device_names_repaired(doc: Doc, allowed: frozenset[str]) -> list[Span]:
    """The entities, with an `area` that is not one of the home's and runs into a name, untagged words or an
    entity the intent cannot carry ("disco" "ball" tagged a title) read as part of a device name.

    "turn on the disco ball" may be tagged area "disco" (and name "ball"): "disco ball" is the name.
    """
    ents = list(doc.ents)
    for i, (ent, after) in enumerate(itertools.pairwise(ents)):
        if (ent.label_ == "area" and (after.label_ == "name" or after.label_ not in allowed)
                and ent.end == after.start and not ent.ent_id_ and not after.ent_id_):
            ents[i:i + 2] = [Span(doc, ent.start, after.end, label="name")]
            return ents
    if any(ent.label_ == "name" for ent in ents):
        return ents
    for i, ent in enumerate(ents):
        if ent.ent_id_:  # one of the home's rooms: the words after it are not a device's name
            continue
        end = ent.end
        while end < len(doc) and doc[end].is_alpha and doc[end].lower_ not in NAME_STOP_WORDS and (
            i + 1 == len(ents) or end < ents[i + 1].start
        ):
            end += 1
        if ent.label_ == "area" and end > ent.end:
            ents[i] = Span(doc, ent.start, end, label="name")
            break
    return ents
