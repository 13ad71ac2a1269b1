"""Kibana saved objects, statically: template fields, references, Kibana 8.19 versions, contents."""

from __future__ import annotations

import json
import re

import pytest

from mediamon.search.index_setup import load_template
from mediamon.search.kibana import DATA_VIEW_ID, for_alias, load_saved_objects

OBJECTS = load_saved_objects()


def template_field_types() -> dict[str, str]:
    """Every field of the index template (sub-fields such as `title.keyword` too): its type."""
    types: dict[str, str] = {}

    def walk(properties: dict, prefix: str = "") -> None:
        for name, spec in properties.items():
            types[prefix + name] = spec.get("type", "object")
            for sub, sub_spec in spec.get("fields", {}).items():
                types[f"{prefix}{name}.{sub}"] = sub_spec["type"]
            if "properties" in spec:
                walk(spec["properties"], f"{prefix}{name}.")

    walk(load_template("mediamon-articles")["template"]["mappings"]["properties"])
    return types


FIELD_TYPES = template_field_types()
FIELDS = set(FIELD_TYPES)
# Analysed text has no doc values: Elasticsearch refuses to sort or aggregate on it.
NOT_AGGREGATABLE = {"text", "nested", "object"}
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


def test_every_reference_points_at_an_object_of_its_type_in_the_file():
    objects = {(o["type"], o["id"]) for o in OBJECTS}
    for obj in OBJECTS:
        for reference in obj.get("references", []):
            assert (reference["type"], reference["id"]) in objects, (obj["id"], reference)


def aggregated_fields(obj: dict) -> set[str]:
    """The fields an object makes Elasticsearch sort or aggregate on."""
    attributes = obj["attributes"]
    if obj["type"] == "search":
        return {column for column, _ in attributes["sort"]}
    if obj["type"] == "visualization":
        return {
            agg["params"][key]
            for agg in json.loads(attributes["visState"])["aggs"]
            for key in ("field", "sortField")
            if key in agg["params"]
        }
    return set()


@pytest.mark.parametrize("obj", OBJECTS, ids=[o["id"] for o in OBJECTS])
def test_every_field_an_object_sorts_or_aggregates_on_has_doc_values(obj):
    text_only = {
        field
        for field in aggregated_fields(obj)
        if FIELD_TYPES.get(field, "missing") in NOT_AGGREGATABLE
    }
    assert not text_only, f"{obj['id']} aggregates on text-only fields {sorted(text_only)}"


READING_THE_DATA_VIEW = [o for o in OBJECTS if o["type"] in ("search", "visualization")]


@pytest.mark.parametrize("obj", READING_THE_DATA_VIEW, ids=[o["id"] for o in READING_THE_DATA_VIEW])
def test_every_search_and_visualization_reads_the_mediamon_data_view(obj):
    search_source = json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    reference_name = search_source["indexRefName"]
    assert {"id": DATA_VIEW_ID, "name": reference_name, "type": "index-pattern"} in obj[
        "references"
    ]


def test_the_data_view_uses_published_at_and_follows_the_configured_alias():
    view = next(o for o in for_alias(OBJECTS, "custom-alias") if o["id"] == DATA_VIEW_ID)
    assert view["attributes"]["timeFieldName"] == "published_at"
    assert view["attributes"]["title"] == "custom-alias"


def test_urls_are_formatted_as_links():
    view = next(o for o in OBJECTS if o["id"] == DATA_VIEW_ID)
    formats = json.loads(view["attributes"]["fieldFormatMap"])
    assert formats["url"]["id"] == "url" and formats["canonical_url"]["id"] == "url"


def test_event_ids_show_as_plain_integers_that_can_be_pasted_into_a_query():
    view = next(o for o in OBJECTS if o["id"] == DATA_VIEW_ID)
    formats = json.loads(view["attributes"]["fieldFormatMap"])
    assert formats["event_id"] == {"id": "number", "params": {"pattern": "0"}}


def test_the_saved_searches_and_dashboard_an_analyst_needs_exist():
    by_type = {}
    for obj in OBJECTS:
        by_type.setdefault(obj["type"], set()).add(obj["id"])
    assert {"mediamon-all-articles", "mediamon-originals", "mediamon-tracked-groups"} <= by_type[
        "search"
    ]
    assert "mediamon-overview" in by_type["dashboard"]


# The newest version of each saved-object type that Kibana 8.19 knows, read from the
# elastic/kibana sources (8.19 branch). Kibana refuses an object that claims a newer one
# ("belongs to a more recent version of Kibana"), so the file may never declare more.
# A model version N is written 10.N.0; before model versions, the last migration's version.
KIBANA_8_19_TYPE_VERSIONS = {
    # data_views/server/saved_objects: migrations up to 7.11.0, multi-namespace in 8.0.0
    "index-pattern": "8.0.0",
    # saved_search/server/saved_objects/search.ts: model versions 1-5 (5 added `density`);
    # model version 6 (`tabs`) came with Discover tabs in Kibana 9.2
    "search": "10.5.0",
    # visualizations/server/migrations/visualization_saved_object_migrations.ts: last is 8.5.0
    "visualization": "8.5.0",
    # lens/server/migrations/saved_object_migrations.ts: last is 8.9.0 (model version 1: 9.2)
    "lens": "8.9.0",
    # dashboard_saved_object.ts: model versions 1-3 (3 added collapsible `sections`, shipped
    # in 8.19); model version 4 (access control) is Kibana 9.x
    "dashboard": "10.3.0",
}
# Kibana refuses a coreMigrationVersion newer than its own version; every 8.19 takes 8.19.0
# (its exports write 8.8.0, the last core migration).
KIBANA_8_19_CORE_VERSION = "8.19.0"
# The attributes Kibana 8.19's `search` schema (model version 5) defines; it rejects others.
KIBANA_8_19_SEARCH_ATTRIBUTES = {
    "title",
    "description",
    "columns",
    "sort",
    "grid",
    "rowHeight",
    "rowsPerPage",
    "hideChart",
    "breakdownField",
    "kibanaSavedObjectMeta",
    "isTextBasedQuery",
    "usesAdHocDataView",
    "timeRestore",
    "timeRange",
    "refreshInterval",
    "viewMode",
    "hideAggregatedPreview",
    "hits",
    "version",
    "sampleSize",
    "headerRowHeight",
    "visContext",
    "density",
}
# An analyst opening a search or the dashboard sees at least this far back.
MIN_STORED_RANGE_DAYS = 365
_UNIT_DAYS = {"d": 1, "w": 7, "M": 30, "y": 365}
SEARCHES = [o for o in OBJECTS if o["type"] == "search"]


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def days_back(expression: str) -> int:
    """How far back a relative time such as `now-1y` reaches, in days."""
    match = re.fullmatch(r"now-(\d+)([dwMy])(/[dwMy])?", expression)
    assert match, f"not a relative time reaching back days or more: {expression!r}"
    return int(match[1]) * _UNIT_DAYS[match[2]]


@pytest.mark.parametrize("obj", OBJECTS, ids=[o["id"] for o in OBJECTS])
def test_every_version_an_object_declares_is_one_kibana_8_19_knows(obj):
    newest = KIBANA_8_19_TYPE_VERSIONS.get(obj["type"])
    assert newest, f"look up the newest {obj['type']!r} version of Kibana 8.19 for this table"
    declared = [obj.get("typeMigrationVersion"), obj.get("migrationVersion", {}).get(obj["type"])]
    for declared_version in filter(None, declared):
        assert version(declared_version) <= version(newest), (obj["id"], declared_version)
    assert obj.get("typeMigrationVersion") or obj.get("migrationVersion"), obj["id"]
    core = obj.get("coreMigrationVersion")
    assert core is None or version(core) <= version(KIBANA_8_19_CORE_VERSION), (obj["id"], core)


@pytest.mark.parametrize("search", SEARCHES, ids=[o["id"] for o in SEARCHES])
def test_saved_searches_use_only_attributes_kibana_8_19_defines(search):
    assert set(search["attributes"]) <= KIBANA_8_19_SEARCH_ATTRIBUTES


@pytest.mark.parametrize("search", SEARCHES, ids=[o["id"] for o in SEARCHES])
def test_saved_searches_open_on_their_own_wide_time_range(search):
    """Without a stored range Discover shows the last 15 minutes: older articles look lost."""
    attributes = search["attributes"]
    assert attributes["timeRestore"] is True
    assert attributes["timeRange"]["to"] == "now"
    assert days_back(attributes["timeRange"]["from"]) >= MIN_STORED_RANGE_DAYS


def test_the_dashboard_opens_on_its_own_wide_time_range():
    dashboard = next(o for o in OBJECTS if o["id"] == "mediamon-overview")["attributes"]
    assert dashboard["timeRestore"] is True and dashboard["timeTo"] == "now"
    assert days_back(dashboard["timeFrom"]) >= MIN_STORED_RANGE_DAYS


def _terms_fields(visualization: dict) -> set[str]:
    aggs = json.loads(visualization["attributes"]["visState"])["aggs"]
    return {agg["params"]["field"] for agg in aggs if agg["type"] == "terms"}


def test_the_dashboard_splits_articles_and_mentions_by_language():
    dashboard = next(o for o in OBJECTS if o["type"] == "dashboard")
    on_dashboard = {ref["id"] for ref in dashboard["references"]}
    by_language = [
        o
        for o in OBJECTS
        if o["type"] == "visualization"
        and "language" in _terms_fields(o)
        and o["id"] in on_dashboard
    ]
    split = [_terms_fields(o) for o in by_language]
    assert {"language"} in split and {"language", "groups_with_ancestors"} in split


def test_every_saved_search_shows_the_language_of_its_articles():
    searches = [o for o in OBJECTS if o["type"] == "search"]
    assert searches and all("language" in o["attributes"]["columns"] for o in searches)


EVENTS_SEARCH_ID = "mediamon-events"
EVENTS_PANEL_ID = "mediamon-largest-events-by-group"
DASHBOARD_ID = "mediamon-overview"
BY_ID = {o["id"]: o for o in OBJECTS}
DASHBOARD_COLUMNS = 48


def _search_query(obj: dict) -> dict:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])["query"]


def _aggs(visualization: dict) -> list[dict]:
    return json.loads(visualization["attributes"]["visState"])["aggs"]


def _panels_with_references(dashboard: dict) -> list[tuple[dict, dict | None]]:
    """Each panel of a dashboard with the reference Kibana resolves it by (None if missing)."""
    references = {reference["name"]: reference for reference in dashboard["references"]}
    return [
        (panel, references.get(f"{panel['panelIndex']}:{panel['panelRefName']}"))
        for panel in json.loads(dashboard["attributes"]["panelsJSON"])
    ]


def test_the_events_search_shows_each_reports_event_beside_the_article():
    columns = BY_ID[EVENTS_SEARCH_ID]["attributes"]["columns"]
    assert columns[:3] == ["event_id", "event_size", "event_languages"]
    assert {"title", "groups", "language", "source", "published_at"} <= set(columns)


def test_the_events_search_lists_only_reports_of_an_event_newest_first():
    search = BY_ID[EVENTS_SEARCH_ID]
    assert _search_query(search) == {"query": "event_id : *", "language": "kuery"}
    assert search["attributes"]["sort"] == [["published_at", "desc"]]


def test_the_events_panel_ranks_each_tracked_groups_events_by_event_size():
    aggs = _aggs(BY_ID[EVENTS_PANEL_ID])
    buckets = [agg["params"] for agg in aggs if agg["schema"] == "bucket"]
    assert [bucket["field"] for bucket in buckets] == ["groups", "event_id"]
    events = buckets[1]
    ranked_by = next(agg for agg in aggs if agg["id"] == events["orderBy"])
    assert (ranked_by["type"], ranked_by["params"]["field"]) == ("max", "event_size")
    assert events["order"] == "desc" and 10 <= events["size"] <= 20


def test_the_events_panel_shows_each_events_size_languages_and_headline():
    metrics = {
        (agg["type"], agg["params"].get("field"))
        for agg in _aggs(BY_ID[EVENTS_PANEL_ID])
        if agg["schema"] == "metric"
    }
    assert {
        ("max", "event_size"),
        ("top_hits", "event_languages"),
        ("top_hits", "title.keyword"),
    } <= metrics


def test_the_events_panel_counts_only_reports_of_an_event():
    assert _search_query(BY_ID[EVENTS_PANEL_ID]) == {"query": "event_id : *", "language": "kuery"}


def test_the_events_panel_is_on_the_overview_dashboard():
    on_dashboard = {
        (reference["type"], reference["id"])
        for _, reference in _panels_with_references(BY_ID[DASHBOARD_ID])
        if reference
    }
    assert ("visualization", EVENTS_PANEL_ID) in on_dashboard


def test_every_dashboard_panel_has_a_reference_of_its_own_type():
    dashboard = BY_ID[DASHBOARD_ID]
    panels = _panels_with_references(dashboard)
    for panel, reference in panels:
        assert reference and reference["type"] == panel["type"], panel["panelIndex"]
    assert len(dashboard["references"]) == len(panels)


def test_dashboard_panels_fit_the_grid_without_overlapping():
    grids = [panel["gridData"] for panel, _ in _panels_with_references(BY_ID[DASHBOARD_ID])]
    cells: dict[tuple[int, int], str] = {}
    for grid in grids:
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= DASHBOARD_COLUMNS, grid
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"panels {cells.get((x, y))} and {grid['i']} overlap"
                cells[(x, y)] = grid["i"]
