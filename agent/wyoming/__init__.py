"""Home Assistant's voice protocol: the agent's recognizer, wake words, whole turns, intent recognition and voices
offered as one Wyoming server (`ambient serve --wyoming`), one module per domain as in the `wyoming` package."""
