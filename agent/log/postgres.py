"""A throwaway PostgreSQL server (Debian's) in a temporary directory, for tests and the fleet benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from agent.broker import free_port


def find_initdb() -> str:
    """Path of PostgreSQL's initdb; raises FileNotFoundError saying how to install it."""
    found = shutil.which("initdb") or next(
        (str(p) for p in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)), None)
    if found is None:
        raise FileNotFoundError("PostgreSQL is not installed (apt-get install postgresql)")
    return found


@contextmanager
def temporary_server(max_connections: int = 100) -> Iterator[str]:
    """Start a server on 127.0.0.1 (as the postgres user when run as root); yield its SQLAlchemy URL."""
    initdb = find_initdb()
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="ambient-pg-"))
    if as_postgres:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()
    subprocess.run([*as_postgres, initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections={max_connections} -F"
    subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_postgres, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
