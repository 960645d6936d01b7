"""A throwaway MariaDB server for the masking tests and benchmark.

It lives in a fresh temporary data directory, listens on a free loopback port only, runs as the
current user (``--user=root`` when that is root) and is stopped and deleted on ``stop()`` — or,
should the parent die first, by the kernel: the server gets SIGTERM when its parent exits.

    with MariaDB.start() as server:
        connection = server.connect()

    python -m scripts.mariadb_server      # start one, print how to reach it, stop on Ctrl-C
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

SERVER_CANDIDATES = ("mariadbd", "/usr/sbin/mariadbd", "mysqld", "/usr/sbin/mysqld")
INSTALL_CANDIDATES = ("mariadb-install-db", "mysql_install_db")
# innodb_flush_log_at_trx_commit=2 and no doublewrite: fast tests, durability the tests do not need.
RELAXED_DURABILITY = ("--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0", "--sync-binlog=0")


class MariaDBUnavailable(RuntimeError):
    """MariaDB's server or installer is not installed, or the server did not come up."""


def _which(candidates: tuple[str, ...]) -> str:
    for candidate in candidates:
        found = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
        if found:
            return found
    raise MariaDBUnavailable(
        f"none of {', '.join(candidates)} found; install MariaDB's server "
        "(`make setup`, or `apt-get install mariadb-server` on Debian/Ubuntu)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    # PR_SET_PDEATHSIG = 1: the kernel sends SIGTERM to the server when the parent exits.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


@dataclass
class MariaDB:
    port: int
    datadir: Path
    process: subprocess.Popen[bytes]
    log: Path
    _stopped: bool = field(default=False, repr=False)

    user = "root"
    password = ""
    host = "127.0.0.1"

    @classmethod
    def start(
        cls,
        *,
        durable: bool = True,
        extra_args: tuple[str, ...] = (),
        timeout: float = 60,
        port: int | None = None,
    ) -> MariaDB:
        """Install a fresh data directory and start a server on it; returns when it accepts connections.

        ``port``: where it listens (a free loopback port when None; ``free_port()`` picks one ahead,
        for a caller that must name it before the server is up).
        """
        server = _which(SERVER_CANDIDATES)
        installer = _which(INSTALL_CANDIDATES)
        base = Path(tempfile.mkdtemp(prefix="dms-masking-mariadb-"))
        datadir = base / "data"
        log = base / "server.log"
        # Its own temporary directory: servers started side by side (parallel test workers) would
        # otherwise clash over the temporary tables they create in a shared /tmp.
        tmpdir = base / "tmp"
        tmpdir.mkdir()
        as_root = ["--user=root"] if os.geteuid() == 0 else []
        try:
            subprocess.run(
                [
                    installer,
                    "--no-defaults",
                    f"--datadir={datadir}",
                    f"--tmpdir={tmpdir}",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                    *as_root,
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            output = getattr(error, "stderr", b"") or b""
            shutil.rmtree(base, ignore_errors=True)
            raise MariaDBUnavailable(
                f"{installer} failed: {output.decode(errors='replace')[-2000:]}"
            ) from error
        port = port or free_port()
        args = [
            server,
            "--no-defaults",
            f"--datadir={datadir}",
            f"--tmpdir={tmpdir}",
            f"--socket={base / 'mysqld.sock'}",
            f"--pid-file={base / 'mysqld.pid'}",
            f"--port={port}",
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            f"--log-error={log}",
            "--innodb-buffer-pool-size=512M",
            "--innodb-log-file-size=256M",
            *as_root,
            *(() if durable else RELAXED_DURABILITY),
            *extra_args,
        ]
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
        instance = cls(port=port, datadir=base, process=process, log=log)
        try:
            instance._wait_ready(timeout)
        except BaseException:
            instance.stop()
            raise
        return instance

    def _wait_ready(self, timeout: float) -> None:
        import pymysql

        limit = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
                raise MariaDBUnavailable(f"mariadbd exited with {self.process.returncode}:\n{tail}")
            try:
                self.connect().close()
                return
            except pymysql.err.OperationalError:
                if time.monotonic() > limit:
                    raise MariaDBUnavailable(
                        f"mariadbd did not accept connections in {timeout:.0f} s"
                    ) from None
                time.sleep(0.2)

    def connection_kwargs(self, database: str | None = None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "connect_timeout": 5,
        }
        if database:
            kwargs["database"] = database
        return kwargs

    def connect(self, database: str | None = None, **overrides: Any) -> Any:
        import pymysql

        return pymysql.connect(**{**self.connection_kwargs(database), **overrides})

    def secret(self, database: str = "") -> dict[str, Any]:
        """The server as an RDS-style Secrets Manager secret (what the masking Lambda reads)."""
        return {
            "engine": "mariadb",
            "host": self.host,
            "port": self.port,
            "username": self.user,
            "password": self.password,
            "dbname": database,
        }

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: a clean InnoDB shutdown
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> MariaDB:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def main() -> int:
    with MariaDB.start() as server:
        print(f"MariaDB on {server.host}:{server.port}, user {server.user}, no password; Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            server.process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
