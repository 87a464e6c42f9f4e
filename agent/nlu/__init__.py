"""Natural-language understanding: a spaCy pipeline trained from the project's own templates.

The model lives in `agent.nlu.model` (importing it loads spaCy); this package itself stays light.
"""

from agent.nlu.intents import INTENT_NAMES, INTENTS, IntentSpec

__all__ = ["INTENTS", "INTENT_NAMES", "IntentSpec"]
