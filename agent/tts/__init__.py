"""TTS stage: response text to speech."""
