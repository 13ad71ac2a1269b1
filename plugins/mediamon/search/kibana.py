"""Kibana saved objects (kibana/saved-objects.ndjson): load, point at the alias, import.

Import uses Kibana's saved-objects API with overwrite, so re-running it is safe and
leaves one copy of each object (ids are stable).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from mediamon.settings import PROJECT_ROOT

SAVED_OBJECTS = PROJECT_ROOT / "kibana" / "saved-objects.ndjson"
DATA_VIEW_ID = "mediamon-articles"


class KibanaUnavailable(RuntimeError):
    """Kibana refused or did not answer (one line for the user)."""


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
    """Import (overwrite) every saved object; returns how many Kibana accepted."""
    body = "\n".join(json.dumps(obj) for obj in for_alias(load_saved_objects(), alias)) + "\n"
    try:
        response = httpx.post(
            f"{kibana_url.rstrip('/')}/api/saved_objects/_import",
            params={"overwrite": "true"},
            headers={"kbn-xsrf": "mediamon"},
            files={"file": ("mediamon.ndjson", body.encode(), "application/ndjson")},
            auth=auth,
            timeout=60,
        )
    except httpx.HTTPError as exc:
        raise KibanaUnavailable(f"Kibana at {kibana_url} did not answer: {exc}") from exc
    if response.status_code != 200:
        raise KibanaUnavailable(
            f"Kibana refused the import: HTTP {response.status_code} {response.text[:200]}"
        )
    result = response.json()
    if not result.get("success"):
        errors = [
            f"{e.get('id')}: {e.get('error', {}).get('type')}" for e in result.get("errors", [])
        ]
        raise KibanaUnavailable(f"Kibana import had errors: {', '.join(errors)[:300]}")
    return int(result.get("successCount", 0))
