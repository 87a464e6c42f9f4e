"""A throwaway PostgreSQL server (Debian's) in a temporary directory, for tests and the fleet benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from agent.broker import free_port


def find_initdb() -> str:
    """Path of PostgreSQL's initdb; raises FileNotFoundError saying how to install it."""
    found = shutil.which("initdb") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)), None)
    if found is None:
        raise FileNotFoundError("PostgreSQL is not installed (apt-get install postgresql)")
    return found


class PostgresServer:
    """A server on 127.0.0.1 with its own data directory (run as the postgres user when we are root); it can
    be stopped and started again on the same port with its data, as a database outage."""

    def __init__(self, max_connections: int = 100) -> None:
        initdb = find_initdb()
        self._pg_ctl = str(Path(initdb).with_name("pg_ctl"))
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.root = Path(tempfile.mkdtemp(prefix="ambient-pg-"))
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
        self._data, self.port = self.root / "data", free_port()
        self._options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                         f"-c max_connections={max_connections} -F")
        subprocess.run([*self._as_postgres, initdb, "-D", str(self._data), "-A", "trust", "-U", "postgres",
                        "--no-sync"], check=True, capture_output=True)

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server; returns once it takes connections."""
        self._ctl("-l", str(self.root / "log"), "-o", self._options, "-w", "start")

    def stop(self) -> None:
        """Stop at once, cutting every connection (as a crash or a network loss would)."""
        self._ctl("-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs and delete its data."""
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self._as_postgres, self._pg_ctl, "-D", str(self._data), *args], check=True,
                       capture_output=True)


@contextmanager
def temporary_server(max_connections: int = 100) -> Iterator[str]:
    """Start a throwaway server; yield its SQLAlchemy URL; remove it afterwards."""
    server = PostgresServer(max_connections)
    try:
        server.start()
        yield server.url
    finally:
        server.remove()
