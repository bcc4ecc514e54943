"""A throwaway PostgreSQL server for the tests: ``initdb`` into a temp dir, listen only on a Unix
socket there, stop with ``pg_ctl stop -m immediate`` and remove everything at the end.

Binaries come from PATH, else the newest ``/usr/lib/postgresql/*/bin``. PostgreSQL refuses to run
as root, so as root the server runs as an unprivileged user (``postgres``, else ``nobody``) through
``runuser``, in a directory that user owns; clients (the tests, run as root) reach its socket.

Authentication: ``trust`` for every role except ``PASSWORD_ROLE``, which must give its password
(scram-sha-256), so a test can prove the password travels in the URL and never reaches output.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

REQUIRE_ENV = "PROVISION_REQUIRE_POSTGRES"
PASSWORD_ROLE = "provision_pw"
PASSWORD = "s3cr3t-Pa55word"
DATABASE = "provision_test"


class Unavailable(Exception):
    """No PostgreSQL can be started here; the message says why."""


def find_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live: PATH first, then the newest Debian-style install."""
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    versions = []
    for bin_dir in Path("/usr/lib/postgresql").glob("*/bin"):
        if (bin_dir / "initdb").exists() and (bin_dir / "pg_ctl").exists() and bin_dir.parent.name.isdigit():
            versions.append((int(bin_dir.parent.name), bin_dir))
    return max(versions)[1] if versions else None


def _run_as() -> str | None:
    """The user to run the server as: None for ourselves, unless we are root."""
    if os.geteuid() != 0:
        return None
    if not shutil.which("runuser"):
        raise Unavailable("running as root and runuser is not available to start PostgreSQL as another user")
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise Unavailable("running as root and there is no postgres or nobody user to run PostgreSQL as")


@dataclass
class PgServer:
    bin_dir: Path
    base: Path  # temp dir: data/, the socket, the log
    user: str | None

    @property
    def socket_dir(self) -> Path:
        return self.base

    def url(self, *, user: str = "postgres", password: str | None = None, **params: str) -> str:
        auth = quote(user, safe="") + (f":{quote(password, safe='')}" if password is not None else "")
        query = "&".join([f"host={quote(str(self.socket_dir), safe='')}", *(f"{k}={v}" for k, v in params.items())])
        return f"postgresql://{auth}@/{DATABASE}?{query}"

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", self.user, "--", *args] if self.user else list(args)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=60)

    def psql(self, sql: str, db: str = "postgres") -> str:
        out = subprocess.run(
            [str(self.bin_dir / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir)]
            + ["-U", "postgres", "-d", db, "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr}")
        return out.stdout

    def stop(self) -> None:
        self.run(str(self.bin_dir / "pg_ctl"), "-D", str(self.base / "data"), "stop", "-m", "immediate")
        shutil.rmtree(self.base, ignore_errors=True)


def start() -> PgServer:
    """Start a server with database ``DATABASE`` and the password role. Raises Unavailable."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise Unavailable("no PostgreSQL server binaries (initdb, pg_ctl) on PATH or in /usr/lib/postgresql/*/bin")
    user = _run_as()
    base = Path(tempfile.mkdtemp(prefix="provision-pg-"))  # short: a socket path is at most 107 bytes
    if user:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    os.chmod(base, 0o711)  # clients need to reach the socket; data/ itself is 0700
    server = PgServer(bin_dir, base, user)
    try:
        _init_and_start(server)
        server.psql(f"CREATE DATABASE {DATABASE}")
        server.psql(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
        server.psql(f"GRANT ALL ON DATABASE {DATABASE} TO {PASSWORD_ROLE}")
    except BaseException:
        server.stop()
        raise
    return server


def _init_and_start(server: PgServer) -> None:
    data = server.base / "data"
    init = server.run(
        str(server.bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"
    )
    if init.returncode != 0:
        raise Unavailable(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
    hba = data / "pg_hba.conf"  # first match wins: the password role must authenticate, others are trusted
    hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text())
    options = (
        f"-k {server.socket_dir} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200"
    )
    started = server.run(
        str(server.bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(server.base / "log"), "-w", "start"
    )
    if started.returncode != 0:
        log = (server.base / "log").read_text() if (server.base / "log").exists() else ""
        raise Unavailable(f"pg_ctl start failed: {started.stderr.strip()} {log[-2000:]}")
