"""Training the spaCy pipeline (textcat for the intent, entity_ruler + ner for slots) and caching it on disk."""

from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import cast

import spacy
from spacy.about import __version__ as spacy_version
from spacy.language import Language
from spacy.pipeline import EntityRecognizer, TextCategorizer
from spacy.training import Example as SpacyExample
from thinc.api import Adam, fix_random_seed

from agent import cachedir
from agent.home import Home
from agent.nlu.generate import Example, generate
from agent.nlu.intents import INTENT_NAMES, SLOT_NAMES

log = logging.getLogger(__name__)
_SOURCES = ("intents.py", "templates.py", "templates.yaml", "vocab.py", "../text.py", "../kinds.py", "generate.py",
            "train.py", "sample.py", "sentences/en.yaml")
META_FILE = "ambient_nlu.json"
"""Extra data saved next to the spaCy pipeline."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what model comes out of training."""

    seed: int = 7
    """Seeds generation, initialisation and shuffling."""
    per_intent: int = 200
    """Generated examples per intent."""
    epochs: int = 8
    """Passes of the slot tagger over the examples."""
    textcat_epochs: int = 12
    """Passes of the intent classifier over the examples (cheap)."""
    textcat_batch: int = 128
    """Examples per intent-classifier update (large: its weight table is big, updates are costly)."""
    textcat_learn_rate: float = 0.01
    """Adam learning rate of the intent classifier (few, large updates need a high rate)."""
    ner_batch: int = 32
    """Examples per slot-tagger update."""
    dropout: float = 0.2
    """Dropout during training."""
    ngram_size: int = 2
    """Longest n-gram the bag-of-words intent classifier looks at."""
    width: int = 64
    """Width of the NER's token vectors."""
    depth: int = 3
    """Convolution layers in the NER's token encoder."""
    embed_size: int = 2000
    """Rows of each hash-embedding table."""


def model_key(config: TrainConfig, home: Home | None = None, extra: Sequence[Example] = ()) -> str:
    """Hash of the generating code, templates, vocabulary, config and spaCy version (and home, if trained on,
    and the extra examples)."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _SOURCES:
        digest.update((here / name).read_bytes())
    digest.update(json.dumps(asdict(config), sort_keys=True).encode())
    digest.update(spacy_version.encode())
    digest.update(metadata.version("home-assistant-intents").encode())
    if home is not None:
        digest.update(home.model_dump_json().encode())
    for example in extra:
        digest.update(f"{example.text}\t{example.intent}\n".encode())
    return digest.hexdigest()[:16]


def cache_root(cache_dir: Path | None = None) -> Path:
    """Where trained models live: `cache_dir`, else `$AMBIENT_CACHE/nlu`, else `~/.cache/ambient/nlu`."""
    return Path(cache_dir) if cache_dir is not None else cachedir.cache_root("nlu")


def build_pipeline(config: TrainConfig) -> Language:
    """An untrained pipeline: entity_ruler (the home's names), textcat (intent), ner (slots)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    # add_pipe is typed as returning any component
    textcat = cast(TextCategorizer, nlp.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
        "ngram_size": config.ngram_size, "no_output_layer": False, "length": 2**16,
    }}))
    ner = cast(EntityRecognizer, nlp.add_pipe("ner", config={"model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner",
        "extra_state_tokens": False, "hidden_width": 64, "maxout_pieces": 2, "use_upper": True,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
            "width": config.width, "depth": config.depth, "embed_size": config.embed_size,
            "window_size": 1, "maxout_pieces": 3, "subword_features": True,
        },
    }}))
    for intent in INTENT_NAMES:
        textcat.add_label(intent)
    for slot in SLOT_NAMES:
        ner.add_label(slot)
    return nlp


def to_spacy(nlp: Language, examples: list[Example]) -> list[SpacyExample]:
    """Generated examples as spaCy training examples."""
    out = []
    for example in examples:
        doc = nlp.make_doc(example.text)
        cats = {intent: float(intent == example.intent) for intent in INTENT_NAMES}
        out.append(SpacyExample.from_dict(doc, {"cats": cats, "entities": list(example.spans)}))
    return out


def train(config: TrainConfig, home: Home | None = None, extra: Sequence[Example] = ()
          ) -> tuple[Language, frozenset[str]]:
    """Train a pipeline; returns it and the words seen in training. `extra` examples (automatic labels: an
    intent, no slot spans) train the intent classifier only."""
    fix_random_seed(config.seed)
    nlp = build_pipeline(config)
    examples = generate(config.per_intent, config.seed, home)
    data = to_spacy(nlp, examples)
    labelled = to_spacy(nlp, list(extra))
    optimizer = nlp.initialize(lambda: data[:500])
    optimizers = {"textcat": Adam(config.textcat_learn_rate), "ner": optimizer}
    order = random.Random(config.seed)
    for epoch in range(max(config.epochs, config.textcat_epochs)):
        for component, batch, epochs in (("textcat", config.textcat_batch, config.textcat_epochs),
                                         ("ner", config.ner_batch, config.epochs)):
            if epoch >= epochs:
                continue
            order.shuffle(data)
            with nlp.select_pipes(enable=[component]):
                for start in range(0, len(data), batch):
                    nlp.update(data[start:start + batch], drop=config.dropout, sgd=optimizers[component])
                if component == "textcat" and labelled:  # after the generated batches, which stay as they were
                    nlp.update(labelled, drop=config.dropout, sgd=optimizers[component])
    known = frozenset(token.lower_ for example in data + labelled for token in example.reference)
    return nlp, known


def ensure_trained(config: TrainConfig, cache_dir: Path | None = None, home: Home | None = None,
                   extra: Sequence[Example] = ()) -> Path:
    """The cached model directory for `config` (and `extra` examples), training it first if needed (safe across
    processes)."""
    root = cache_root(cache_dir)
    target = root / model_key(config, home, extra)
    if (target / META_FILE).exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    log.warning("training the NLU model: about a minute, once; it is kept in %s", target)
    nlp, known = train(config, home, extra)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=root))
    try:
        tmp.chmod(0o755)
        nlp.to_disk(tmp)
        (tmp / META_FILE).write_text(json.dumps({"config": asdict(config), "known_words": sorted(known)}))
        cachedir.publish(tmp, target, META_FILE)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
