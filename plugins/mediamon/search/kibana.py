"""Kibana saved objects (kibana/saved-objects.ndjson): load, point at the alias, import.

Import uses Kibana's saved-objects API with overwrite, so re-running it is safe and
leaves one copy of each object (ids are stable).

Kibana refuses objects in two ways: HTTP 200 with one error per refused object (a missing
reference, a schema it rejects, ...), or HTTP 400/422 for the whole request when one object
cannot be migrated (a version newer than this Kibana knows), naming only that first object.
In the second case each object is sent again on its own, so that every refused object is
reported with Kibana's own reason and every other object is still imported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

SAVED_OBJECTS = Path(__file__).resolve().parents[1] / "kibana" / "saved-objects.ndjson"
DATA_VIEW_ID = "mediamon-articles"
# Statuses with which Kibana refuses a whole import because of one object it cannot take.
_REFUSED_OVER_AN_OBJECT = (400, 422)
_MAX_REASON_CHARS = 500


class KibanaUnavailable(RuntimeError):
    """Kibana refused or did not answer (one line for the user)."""


@dataclass(frozen=True)
class RefusedObject:
    """One saved object Kibana did not import, and Kibana's reason."""

    type: str
    id: str
    title: str
    reason: str

    def __str__(self) -> str:
        return f'Kibana refused {self.type} {self.id} ("{self.title}"): {self.reason}'


class KibanaRefusedObjects(KibanaUnavailable):
    """Kibana imported `imported` objects and refused those in `refused`."""

    def __init__(self, refused: list[RefusedObject], imported: int) -> None:
        self.refused = refused
        self.imported = imported
        super().__init__(
            f"Kibana refused {len(refused)} saved object(s): "
            + "; ".join(str(item) for item in refused)
        )


def event_discover_url(kibana_url: str, event_id: int, first_report_at: datetime) -> str:
    """Discover on the mediamon data view showing one event's reports, oldest first, from a
    day before its first report until now (so reports added later are in it too)."""
    start = (first_report_at - timedelta(days=1)).astimezone(UTC)
    global_state = f"(time:(from:'{start:%Y-%m-%dT%H:%M:%S.000Z}',to:now))"
    app_state = (
        f"(dataSource:(dataViewId:'{DATA_VIEW_ID}',type:dataView),"
        f"query:(language:kuery,query:'event_id : {int(event_id)}'),"
        "sort:!(!(published_at,asc)))"
    )
    safe = "(),:!"
    return (
        f"{kibana_url.rstrip('/')}/app/discover#/"
        f"?_g={quote(global_state, safe=safe)}&_a={quote(app_state, safe=safe)}"
    )


def load_saved_objects(path: Path = SAVED_OBJECTS) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def for_alias(objects: list[dict], alias: str) -> list[dict]:
    """The objects with the data view's pattern set to `alias` (MEDIAMON_INDEX)."""
    out = []
    for obj in objects:
        if obj["type"] == "index-pattern" and obj["id"] == DATA_VIEW_ID:
            obj = {**obj, "attributes": {**obj["attributes"], "title": alias}}
        out.append(obj)
    return out


def import_saved_objects(kibana_url: str, alias: str, auth: tuple[str, str] | None = None) -> int:
    """Import (overwrite) every saved object; returns how many Kibana accepted.

    Raises KibanaRefusedObjects when Kibana refused any object (the others are imported),
    KibanaUnavailable when it did not answer or refused the request itself (credentials, ...).
    """
    objects = for_alias(load_saved_objects(), alias)
    response = _post_import(kibana_url, objects, auth)
    if response.status_code in _REFUSED_OVER_AN_OBJECT and len(objects) > 1:
        imported, refused = 0, []
        for obj in objects:
            accepted, refused_alone = _outcome(
                kibana_url, _post_import(kibana_url, [obj], auth), [obj]
            )
            imported += accepted
            refused += refused_alone
    else:
        imported, refused = _outcome(kibana_url, response, objects)
    if refused:
        raise KibanaRefusedObjects(refused, imported)
    return imported


def _post_import(
    kibana_url: str, objects: list[dict], auth: tuple[str, str] | None
) -> httpx.Response:
    body = "".join(json.dumps(obj) + "\n" for obj in objects)
    try:
        return httpx.post(
            f"{kibana_url.rstrip('/')}/api/saved_objects/_import",
            params={"overwrite": "true"},
            headers={"kbn-xsrf": "mediamon"},
            files={"file": ("mediamon.ndjson", body.encode(), "application/ndjson")},
            auth=auth,
            timeout=60,
        )
    except httpx.HTTPError as exc:
        raise KibanaUnavailable(f"Kibana at {kibana_url} did not answer: {exc}") from exc


def _outcome(
    kibana_url: str, response: httpx.Response, objects: list[dict]
) -> tuple[int, list[RefusedObject]]:
    """How many of `objects` Kibana imported with this response, and which it refused."""
    if response.status_code in _REFUSED_OVER_AN_OBJECT and len(objects) == 1:
        return 0, [_refused(objects[0], _kibana_message(response))]
    if response.status_code != 200:
        raise KibanaUnavailable(
            f"Kibana at {kibana_url} refused the import: HTTP {response.status_code}"
            f" {_kibana_message(response)}"
        )
    try:
        result = response.json()
    except ValueError as exc:
        raise KibanaUnavailable(
            f"Kibana at {kibana_url} answered the import with something other than JSON:"
            f" {_one_line(response.text)[:200]}"
        ) from exc
    by_key = {(obj["type"], obj["id"]): obj for obj in objects}
    order = {key: position for position, key in enumerate(by_key)}
    refused: list[RefusedObject] = []
    for error in result.get("errors", []):
        key = (error.get("type", "?"), error.get("id", "?"))
        obj = by_key.get(key) or {"type": key[0], "id": key[1], "attributes": error.get("meta", {})}
        refused.append(_refused(obj, _reason(error.get("error", {}))))
    refused.sort(key=lambda item: order.get((item.type, item.id), len(order)))
    return int(result.get("successCount", 0)), refused


def _refused(obj: dict, reason: str) -> RefusedObject:
    title = obj.get("attributes", {}).get("title") or obj["id"]
    return RefusedObject(type=obj["type"], id=obj["id"], title=title, reason=reason)


def _reason(error: dict) -> str:
    """Kibana's reason for one refused object (an `errors[].error` of the _import API)."""
    kind = error.get("type")
    if kind == "missing_references":
        missing = ", ".join(f"{r.get('type')} {r.get('id')}" for r in error.get("references", []))
        return f"it references objects Kibana does not have: {missing}"
    if kind == "unsupported_type":
        return "this Kibana does not support saved objects of this type"
    if kind in ("conflict", "ambiguous_conflict"):
        return f"it conflicts with an object Kibana already has ({kind})"
    return _one_line(str(error.get("message") or kind or "Kibana gave no reason"))


def _kibana_message(response: httpx.Response) -> str:
    """The reason in an error response ({"statusCode", "error", "message"}), on one line."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return _one_line(str(body["message"]))
    return _one_line(response.text or response.reason_phrase)


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _MAX_REASON_CHARS:
        return text
    return text[:_MAX_REASON_CHARS].rsplit(" ", 1)[0] + " ..."
