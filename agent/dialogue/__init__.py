"""The dialogue: what each satellite's conversation holds (`state.py`), what the agent does with a resolved
request before and around a skill (`manager.py`: confirmations, "never mind", the preferences interview, "that's
not what I meant", routines, offers to remember a name) and when it must ask first (`safety.py`)."""
