"""Kibana saved objects reference only fields the index template defines."""

from __future__ import annotations

import json
import re

import pytest

from mediamon.search.indexer import load_template
from mediamon.search.kibana import DATA_VIEW_ID, for_alias, load_saved_objects

OBJECTS = load_saved_objects()


def template_fields() -> set[str]:
    fields: set[str] = set()

    def walk(properties: dict, prefix: str = "") -> None:
        for name, spec in properties.items():
            fields.add(prefix + name)
            for sub in spec.get("fields", {}):
                fields.add(f"{prefix}{name}.{sub}")
            if "properties" in spec:
                walk(spec["properties"], f"{prefix}{name}.")

    walk(load_template("mediamon-articles")["template"]["mappings"]["properties"])
    return fields


FIELDS = template_fields()
KUERY_FIELD = re.compile(r"([a-z_][a-z0-9_.]*)\s*:")


def referenced_fields(obj: dict) -> set[str]:
    attributes = obj["attributes"]
    found: set[str] = set()
    if obj["type"] == "index-pattern":
        found.add(attributes["timeFieldName"])
        found |= set(json.loads(attributes["fieldFormatMap"]))
    if obj["type"] == "search":
        found |= set(attributes["columns"]) | {column for column, _ in attributes["sort"]}
    if obj["type"] == "visualization":
        for agg in json.loads(attributes["visState"])["aggs"]:
            for key in ("field", "sortField"):
                if key in agg["params"]:
                    found.add(agg["params"][key])
    search_source = attributes.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
    if search_source:
        found |= set(KUERY_FIELD.findall(json.loads(search_source)["query"]["query"]))
    return found


@pytest.mark.parametrize("obj", OBJECTS, ids=[o["id"] for o in OBJECTS])
def test_every_referenced_field_exists_in_the_index_template(obj):
    missing = referenced_fields(obj) - FIELDS
    assert not missing, f"{obj['id']} references {sorted(missing)}"


def test_ids_are_stable_and_unique():
    ids = [o["id"] for o in OBJECTS]
    assert len(ids) == len(set(ids)) and all(i.startswith("mediamon-") for i in ids)


def test_every_reference_points_at_an_object_in_the_file():
    ids = {o["id"] for o in OBJECTS}
    for obj in OBJECTS:
        for reference in obj.get("references", []):
            assert reference["id"] in ids, (obj["id"], reference)


def test_the_data_view_uses_published_at_and_follows_the_configured_alias():
    view = next(o for o in for_alias(OBJECTS, "custom-alias") if o["id"] == DATA_VIEW_ID)
    assert view["attributes"]["timeFieldName"] == "published_at"
    assert view["attributes"]["title"] == "custom-alias"


def test_urls_are_formatted_as_links():
    view = next(o for o in OBJECTS if o["id"] == DATA_VIEW_ID)
    formats = json.loads(view["attributes"]["fieldFormatMap"])
    assert formats["url"]["id"] == "url" and formats["canonical_url"]["id"] == "url"


def test_the_saved_searches_and_dashboard_an_analyst_needs_exist():
    by_type = {}
    for obj in OBJECTS:
        by_type.setdefault(obj["type"], set()).add(obj["id"])
    assert {"mediamon-all-articles", "mediamon-originals", "mediamon-tracked-groups"} <= by_type[
        "search"
    ]
    assert "mediamon-overview" in by_type["dashboard"]
