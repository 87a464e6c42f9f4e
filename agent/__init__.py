"""The ambient agent: pipeline stages, their contracts and the command line."""
