"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary folder, a
free port on 127.0.0.1, a random password, and a fresh database per test.

PostgreSQL refuses to run as root, so under root (CI) ``initdb`` and ``postgres`` run as the
``postgres`` system user that Debian's package creates; under anyone else they run as that user.
The cluster trades durability for speed (in memory under ``/dev/shm`` where there is one,
``fsync=off``): it lives only as long as the test run. A run killed before it could stop the
server takes the server with it (a parent-death signal), and the next run removes its folder.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql

DEBIAN_BINARIES = "/usr/lib/postgresql/*/bin"
SERVER_USER_FOR_ROOT = "postgres"
SUPERUSER = "postgres"
MEMORY_FOLDER = Path("/dev/shm")
MEMORY_NEEDED_BYTES = 1 << 30
FOLDER_PREFIX = "lipsync-postgres-"
STALE_AFTER_S = 600.0
START_ATTEMPTS = 3
# From PostgreSQL 15, CREATE DATABASE copies the template through the WAL by default; copying
# its files is several times faster for a small template on a cluster that never syncs.
FILE_COPY_SINCE = 150000
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
INSTALL_HINT = "`make test` (or `bash scripts/install_postgresql.sh`) installs Debian's postgresql"
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "300",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_min_messages": "warning",
}


def server_binaries() -> Path:
    """The folder holding ``initdb`` and ``postgres``: ``LIPSYNC_TEST_POSTGRES_BIN`` if set, else
    the newest Debian version, else the ones on ``PATH``."""
    chosen = os.environ.get("LIPSYNC_TEST_POSTGRES_BIN")
    candidates = [Path(chosen)] if chosen else _debian_binaries()
    on_path = shutil.which("initdb")
    if not chosen and on_path:
        candidates.append(Path(on_path).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    raise RuntimeError(f"no PostgreSQL server binaries found: {INSTALL_HINT}")


def _debian_binaries() -> list[Path]:
    def version(folder: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", Path(folder).parent.name))

    folders = sorted(glob.glob(DEBIAN_BINARIES), key=version, reverse=True)
    return [Path(folder) for folder in folders]


def _server_user() -> pwd.struct_passwd | None:
    """Whom the server runs as under root: ``postgres``; anyone else runs it as themselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER_FOR_ROOT)
    except KeyError:
        raise RuntimeError(
            f"running as root, and there is no {SERVER_USER_FOR_ROOT!r} user to run the server "
            f"as: {INSTALL_HINT}"
        ) from None


def _memory_folder() -> Path | None:
    """``/dev/shm`` when it is there, writable and roomy (Docker's default 64 MB is not)."""
    if not (MEMORY_FOLDER.is_dir() and os.access(MEMORY_FOLDER, os.W_OK)):
        return None
    room = os.statvfs(MEMORY_FOLDER)
    return MEMORY_FOLDER if room.f_bavail * room.f_frsize >= MEMORY_NEEDED_BYTES else None


def _remove_stale_folders(parent: Path) -> None:
    """Remove the folders of earlier runs that were killed: not new, and no server in them."""
    for folder in parent.glob(f"{FOLDER_PREFIX}*"):
        try:
            young = time.time() - folder.stat().st_mtime < STALE_AFTER_S
            if young or (folder / "data" / "postmaster.pid").exists():
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)


def _dies_with_this_process(command: list[str]) -> list[str]:
    """``command`` behind util-linux's ``setpriv``, where there is one, so that the server gets
    a fast shutdown (SIGINT) if this process dies without stopping it."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "INT", "--", *command] if setpriv else command


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """One cluster: :meth:`start` makes and starts it; :meth:`stop` ends it, removes its files."""

    binaries: Path = field(default_factory=server_binaries)
    root: Path | None = None
    port: int = 0
    version: int = 0
    password: str = field(default_factory=lambda: secrets.token_hex(16))
    process: subprocess.Popen[bytes] | None = None
    _user: pwd.struct_passwd | None = None
    _log: IO[bytes] | None = None
    _names: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "the server was not started"
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        assert self.root is not None, "the server was not started"
        return self.root / "server.log"

    def url(self, database: str = "postgres", driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        """Make the cluster in a new temporary folder and start it; on failure, leave nothing."""
        self._user = _server_user()
        parent = _memory_folder() or Path(tempfile.gettempdir())
        _remove_stale_folders(parent)
        self.root = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX, dir=parent))
        try:
            password_file = self.root / "password"
            password_file.write_text(self.password)
            if self._user is not None:
                for path in (self.root, password_file):
                    os.chown(path, self._user.pw_uid, self._user.pw_gid)
            self._run([str(self.binaries / "initdb"), *self._initdb_options(password_file)])
            password_file.unlink()
            with (self.data_dir / "postgresql.conf").open("a") as conf:
                conf.writelines(f"{name} = {value}\n" for name, value in SETTINGS.items())
            self._log = self.log_path.open("ab")
            for _ in range(START_ATTEMPTS):
                self.port = _free_port()
                if self._launch():
                    return self
            log = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start; its log ends with:\n{log}")
        except BaseException:
            self.stop()
            raise

    def _initdb_options(self, password_file: Path) -> list[str]:
        return [
            "--pgdata",
            str(self.data_dir),
            "--username",
            SUPERUSER,
            "--pwfile",
            str(password_file),
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
            "--no-instructions",
        ]

    def _launch(self) -> bool:
        """Start ``postgres`` on ``self.port``; ``False`` if it exited (the port was taken)."""
        command = [str(self.binaries / "postgres"), "-D", str(self.data_dir), "-p", str(self.port)]
        command += ["-c", f"unix_socket_directories={self.root}"]
        self.process = subprocess.Popen(
            _dies_with_this_process(command),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            **self._as_server_user(),
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if self._answers():
                    return True
            except psycopg.OperationalError:
                pass
            time.sleep(0.1)
        self._end_process()
        return False

    def _answers(self) -> bool:
        """Whether this cluster answers on ``self.port`` (not another server that holds it)."""
        url = self.url("postgres", "postgresql")
        with psycopg.connect(url, connect_timeout=2) as connection:
            row = connection.execute("SELECT current_setting('data_directory')").fetchone()
            self.version = connection.info.server_version
        return row is not None and Path(row[0]).resolve() == self.data_dir.resolve()

    def stop(self) -> None:
        self._end_process()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def _end_process(self) -> None:
        """A fast shutdown of the server this object started (SIGINT), a kill if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def create_database(self, prefix: str = "test") -> str:
        """A new empty database; returns its name."""
        name = f"{prefix}_{next(self._names)}"
        create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if self.version >= FILE_COPY_SINCE:
            create += sql.SQL(" STRATEGY FILE_COPY")
        self.execute(create)
        return name

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any connection a test left open on it."""
        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self.execute(statement.format(sql.Identifier(name)))

    def execute(self, statement: sql.Composable) -> None:
        """Run one statement on the maintenance database, outside a transaction."""
        with psycopg.connect(self.url("postgres", "postgresql"), autocommit=True) as connection:
            connection.execute(statement)

    def _run(self, command: list[str]) -> None:
        result = subprocess.run(command, capture_output=True, text=True, **self._as_server_user())
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {result.stderr.strip()}")

    def _as_server_user(self) -> dict[str, Any]:
        """Popen options that drop root for the server's own user; nothing for anyone else."""
        options: dict[str, Any] = {"cwd": self.root, "start_new_session": True}
        if self._user is not None:
            options |= {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}
            options["env"] = {**os.environ, "HOME": self._user.pw_dir, "USER": self._user.pw_name}
        return options
