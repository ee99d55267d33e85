"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks: Debian's initdb and pg_ctl (as the postgres
user when run as root, since PostgreSQL refuses to run as root), a data folder under a given directory, a free port,
stopped (fast) and removed when the block ends. Each test gets a database of its own from `new_database`."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL programs (the newest installed version), or None when it is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _reachable_by_server_user(folder: Path) -> None:
    """As root, let the postgres user own the data folder and pass through (not list) the one above it."""
    if os.geteuid() != 0:
        return
    shutil.chown(folder, "postgres", "postgres")
    folder.parent.chmod(0o711)


class Server:
    def __init__(self, port: int, folder: Path):
        self.port, self.folder = port, folder

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def new_database(self, prefix: str = "t", template: str | None = None) -> str:
        """A new database, empty or a copy of `template` (a database's URL, which nobody may be connected to);
        its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        copy_of = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
        with psycopg.connect(self.url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"{copy_of}')
        return self.database_url(name)


@contextmanager
def throwaway_server(max_connections: int = 200):
    """A PostgreSQL server trusting connections on 127.0.0.1 only, its data in a temporary folder of its own
    (not under pytest's, whose private top folder pytest sessions reset to 0700: the postgres user could not
    reach it), removed with the server."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (make test installs Debian's postgresql)")
    parent = Path(tempfile.mkdtemp(prefix="cdof-postgres-"))
    folder = parent / "pgdata"
    folder.mkdir()
    _reachable_by_server_user(folder)
    data, log = folder / "data", folder / "server.log"
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "--locale=C", "-E", "UTF8", "--no-sync"]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections={max_connections} "
        "-c fsync=off -c shared_buffers=64MB"
    )
    subprocess.run(
        _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield Server(port, folder)
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(parent, ignore_errors=True)
