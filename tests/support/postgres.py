"""A throwaway PostgreSQL server for the tests of the PostgreSQL state store: Debian's server binaries (initdb,
pg_ctl), a fresh cluster in a temporary directory, on a free TCP port of 127.0.0.1 (and a unix socket in that
directory), trust authentication, fsync off. Never a mock: the store's SQL runs against the real server.

Where the binaries come from: `pg_ctl` on PATH, else Debian's /usr/lib/postgresql/<version>/bin (the `postgresql`
package, which `make test` installs). None: the tests skip, saying so.

initdb and postgres refuse to run as root. As root (CI and the sandbox's machines run as root) the cluster is
made and run by the unprivileged `postgres` user the Debian package creates, else by `nobody`: the directory is
created with mkdtemp (unique, so safe under pytest-xdist) and handed to that user; tmp_path cannot be used, since
pytest makes it readable by root only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def server_bin() -> Path | None:
    """The directory of initdb/pg_ctl/postgres, or None."""
    found = shutil.which("pg_ctl")
    if found:
        real = Path(os.path.realpath(found)).parent
        if (real / "initdb").exists() and (real / "postgres").exists():
            return real
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]), reverse=True)
    return versions[0].parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


class PostgresServer:
    """One cluster; `database()` gives each test a database of its own (a URL)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.user = _unprivileged_user()
        self.base = Path(tempfile.mkdtemp(prefix="dsop-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.started = False

    def _run(self, *args: str, **kw) -> subprocess.CompletedProcess:
        run_as = {"user": self.user} if self.user else {}
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], check=True, capture_output=True, text=True,
                              cwd=self.base, **run_as, **kw)

    def start(self) -> PostgresServer:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8",
                  "--locale=C")
        options = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=200")
        try:
            self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.base / "server.log"), "-w",
                      "-t", "60", "start")
        except subprocess.CalledProcessError as exc:
            log = (self.base / "server.log").read_text(errors="replace") if (self.base / "server.log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log[-2000:]}") from None
        self.started = True
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def database(self) -> str:
        """A new, empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
            self.started = False
        shutil.rmtree(self.base, ignore_errors=True)
