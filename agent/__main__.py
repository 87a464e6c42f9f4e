"""`python -m agent` is the `ambient` command."""

from agent.cli import app

app()
