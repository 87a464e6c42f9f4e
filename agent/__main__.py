"""`python -m agent` is the `ambient` command."""

from agent.cli import app

if __name__ == "__main__":
    app()
