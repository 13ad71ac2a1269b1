"""A real Elasticsearch 8.x node run by Java from Maven Central artefacts.

The launcher is a small Maven module in devstack/elasticsearch/; `build()` runs Maven
once (artefacts land in ~/.m2), `start()` runs the node in the background.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mediamon.settings import PROJECT_ROOT
from mediamon.stack.postgres import StackError
from mediamon.stack.processes import free_port, read_pid, stop_process, wait_until

LAUNCHER_DIR = PROJECT_ROOT / "devstack" / "elasticsearch"
LAUNCHER_JAR = LAUNCHER_DIR / "target" / "mediamon-devstack-elasticsearch-1.0.0.jar"
MAIN_CLASS = "io.mediamon.devstack.LocalElasticsearch"
DEFAULT_HTTP_PORT = 9250
DEFAULT_TRANSPORT_PORT = 9350
HEAP = "1g"
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class ElasticsearchInstance:
    home: Path
    http_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


def root_info(url: str, timeout_s: float = 2.0) -> dict | None:
    """The node's `GET /` answer, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - loopback
            if response.headers.get("X-elastic-product") != "Elasticsearch":
                return None
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def build() -> None:
    """Compile the launcher and copy its runtime classpath (only when the jar is missing or stale)."""
    sources = [LAUNCHER_DIR / "pom.xml", *sorted((LAUNCHER_DIR / "src").rglob("*.java"))]
    if LAUNCHER_JAR.exists() and all(
        src.stat().st_mtime <= LAUNCHER_JAR.stat().st_mtime for src in sources
    ):
        return
    mvn = shutil.which("mvn")
    if not mvn:
        raise StackError("Maven (mvn) is not installed: it is needed to fetch Elasticsearch")
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(LAUNCHER_DIR / "pom.xml"), "package", "-DskipTests"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        lines = [line for line in result.stdout.splitlines() if "ERROR" in line]
        raise StackError(f"building the Elasticsearch launcher failed: {lines[0] if lines else ''}")


def _instance(home: Path) -> ElasticsearchInstance:
    port_file = home / "http.port"
    if port_file.exists():
        return ElasticsearchInstance(home=home, http_port=int(port_file.read_text()))
    return ElasticsearchInstance(home=home, http_port=DEFAULT_HTTP_PORT)


def start(home: Path) -> ElasticsearchInstance:
    home.mkdir(parents=True, exist_ok=True)
    pid_file = home / "node.pid"
    instance = _instance(home)
    if read_pid(pid_file) and root_info(instance.url):
        return instance
    java = shutil.which("java")
    if not java:
        raise StackError("Java is not installed: Elasticsearch needs Java 17 or newer")
    build()
    http_port = free_port(DEFAULT_HTTP_PORT)
    transport_port = free_port(DEFAULT_TRANSPORT_PORT)
    (home / "http.port").write_text(str(http_port))
    instance = ElasticsearchInstance(home=home, http_port=http_port)
    classpath = f"{LAUNCHER_JAR}:{LAUNCHER_JAR.parent / 'lib'}/*"
    (home / "tmp").mkdir(exist_ok=True)
    log = (home / "node.out").open("ab")
    process = subprocess.Popen(
        [
            java,
            f"-Xms{HEAP}",
            f"-Xmx{HEAP}",
            "-XX:+UseG1GC",
            f"-Djava.io.tmpdir={home / 'tmp'}",
            "-Dlog4j2.disable.jmx=true",
            "-cp",
            classpath,
            MAIN_CLASS,
            str(home),
            str(http_port),
            str(transport_port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # survives the command that started it
    )
    pid_file.write_text(str(process.pid))
    started = time.monotonic()

    def answered() -> bool:
        if process.poll() is not None:
            return True
        return root_info(instance.url) is not None

    wait_until(answered, START_TIMEOUT_S)
    if process.poll() is not None:
        tail = (home / "node.out").read_text(errors="replace").strip().splitlines()[-1:]
        raise StackError(
            f"Elasticsearch exited during start: {tail[0] if tail else 'see node.out'}"
        )
    if root_info(instance.url) is None:
        raise StackError(f"Elasticsearch did not answer within {START_TIMEOUT_S:.0f} s")
    (home / "start_seconds").write_text(f"{time.monotonic() - started:.1f}")
    return instance


def stop(home: Path) -> bool:
    pid = read_pid(home / "node.pid")
    if pid is None:
        return False
    stop_process(pid)
    (home / "node.pid").unlink(missing_ok=True)
    return True


def status(home: Path) -> tuple[ElasticsearchInstance, dict | None, int | None]:
    instance = _instance(home)
    pid = read_pid(home / "node.pid")
    return instance, (root_info(instance.url) if pid else None), pid
