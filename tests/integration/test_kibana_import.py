"""`mediamon index setup` against a Kibana that refuses objects: Kibana's reason, per object.

Elasticsearch is the local stack's real node. Kibana is not part of the local stack (it ships
only as Elastic's own tarball), so it is a server on 127.0.0.1 that answers the _import API
the two ways Kibana 8.19 refuses objects, as its sources do: HTTP 200 with an error per
object, or HTTP 422 for the whole request over the first object it cannot migrate.
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from mediamon import settings
from mediamon.search.elastic import client
from mediamon.search.kibana import (
    KibanaRefusedObjects,
    KibanaUnavailable,
    import_saved_objects,
    load_saved_objects,
)
from mediamon.settings import PROJECT_ROOT

ALIAS = "mediamon-test-kibana"
OBJECTS = load_saved_objects()
SEARCH_IDS = [o["id"] for o in OBJECTS if o["type"] == "search"]
TITLES = {o["id"]: o["attributes"]["title"] for o in OBJECTS}


def too_new(object_id: str) -> str:
    """Kibana 8.19's message for an object declaring a version it does not know."""
    return (
        f'Document "{object_id}" belongs to a more recent version of Kibana [10.7.0] when the'
        " last known version is [10.5.0]."
    )


class FakeKibana(ThreadingHTTPServer):
    """Refuses the objects in `refuse` (id -> Kibana's `errors[].error`) as `mode` says:
    "batch" answers 422 for any request holding one, "per_object" answers 200 with errors."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "per_object"
        self.refuse: dict[str, dict] = {}
        self.status: int | None = None  # answer every import with this status instead
        self.imports: list[list[str]] = []  # the ids of each import request, in order
        self.imported: set[str] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeKibana

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if urlsplit(self.path).path != "/api/saved_objects/_import":
            self._answer(404, {"message": "not found"})
            return
        form = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + body
        )
        ndjson = next(form.iter_parts()).get_payload(decode=True).decode()
        objects = [json.loads(line) for line in ndjson.splitlines() if line.strip()]
        self.server.imports.append([o["id"] for o in objects])
        if self.server.status is not None:
            self._answer(self.server.status, {"message": "[security_exception] unable to log in"})
            return
        refused = [o for o in objects if o["id"] in self.server.refuse]
        if refused and self.server.mode == "batch":
            first = self.server.refuse[refused[0]["id"]]
            self._answer(422, {"statusCode": 422, "error": "Unprocessable Entity", **first})
            return
        accepted = [o for o in objects if o["id"] not in self.server.refuse]
        self.server.imported |= {o["id"] for o in accepted}
        errors = [
            {
                "id": o["id"],
                "type": o["type"],
                "meta": {"title": o["attributes"].get("title")},
                "error": self.server.refuse[o["id"]],
            }
            for o in reversed(refused)  # Kibana does not promise the file's order
        ]
        self._answer(200, {"success": not errors, "successCount": len(accepted), "errors": errors})


@pytest.fixture
def kibana() -> Iterator[FakeKibana]:
    server = FakeKibana()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _no_test_alias_left(stack_settings):
    yield
    es = client(stack_settings.elasticsearch_url)
    for index in es.indices.get(index=f"{ALIAS}*", expand_wildcards="all"):
        es.indices.delete(index=index)
    es.options(ignore_status=404).indices.delete_index_template(name=ALIAS)


def run_setup(kibana: FakeKibana, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "mediamon"), "index", "setup"],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "MEDIAMON_STACK_DIR": str(tmp_path),
            "MEDIAMON_ELASTICSEARCH_URL": settings.load().elasticsearch_url or "",
            "MEDIAMON_KIBANA_URL": kibana.url,
            "MEDIAMON_INDEX": ALIAS,
        },
        timeout=120,
    )


def test_setup_names_every_object_kibana_refuses_with_a_whole_request_error(kibana, tmp_path):
    kibana.mode = "batch"
    kibana.refuse = {object_id: {"message": too_new(object_id)} for object_id in SEARCH_IDS}
    result = run_setup(kibana, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f'error: Kibana refused search {object_id} ("{TITLES[object_id]}"): {too_new(object_id)}'
        for object_id in SEARCH_IDS
    ]


def test_objects_kibana_accepts_are_imported_when_it_refused_the_whole_request(kibana):
    kibana.mode = "batch"
    kibana.refuse = {SEARCH_IDS[0]: {"message": too_new(SEARCH_IDS[0])}}
    with pytest.raises(KibanaRefusedObjects) as raised:
        import_saved_objects(kibana.url, ALIAS)
    assert [item.id for item in raised.value.refused] == [SEARCH_IDS[0]]
    assert kibana.imported == {o["id"] for o in OBJECTS} - {SEARCH_IDS[0]}
    assert raised.value.imported == len(OBJECTS) - 1


def test_setup_prints_each_per_object_error_in_the_files_order(kibana, tmp_path):
    kibana.refuse = {
        "mediamon-top-sources": {"type": "unknown", "message": "[visState]: expected a string"},
        "mediamon-overview": {
            "type": "missing_references",
            "references": [{"type": "visualization", "id": "mediamon-gone"}],
        },
    }
    result = run_setup(kibana, tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'error: Kibana refused visualization mediamon-top-sources ("mediamon: top sources"):'
        " [visState]: expected a string",
        'error: Kibana refused dashboard mediamon-overview ("mediamon overview"): it references'
        " objects Kibana does not have: visualization mediamon-gone",
    ]


def test_an_import_kibana_accepts_is_one_request_and_counts_every_object(kibana, tmp_path):
    result = run_setup(kibana, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"imported {len(OBJECTS)} Kibana saved object(s)" in result.stdout
    assert kibana.imports == [[o["id"] for o in OBJECTS]]


def test_a_request_kibana_refuses_as_such_is_one_line_with_its_reason(kibana):
    kibana.status = 401
    with pytest.raises(KibanaUnavailable) as raised:
        import_saved_objects(kibana.url, ALIAS, ("elastic", "wrong"))
    assert not isinstance(raised.value, KibanaRefusedObjects)
    assert str(raised.value) == (
        f"Kibana at {kibana.url} refused the import: HTTP 401 [security_exception] unable to log in"
    )
    assert len(kibana.imports) == 1
