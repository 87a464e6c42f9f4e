"""Audio in and out: frames from a microphone, a file or the simulator; playback; endpointing."""
