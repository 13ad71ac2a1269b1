"""The index template, the write alias and index versions behind it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from mediamon.search.elastic import ES_ERRORS, SearchUnavailable, describe_error
from mediamon.settings import ConfigError

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "elasticsearch" / "articles-template.json"


def load_template(alias: str) -> dict:
    template = json.loads(TEMPLATE_PATH.read_text())
    template["index_patterns"] = [f"{alias}-*"]
    return template


def ensure_index(es: Elasticsearch, alias: str) -> str:
    """Apply the template and make sure `alias` points at a write index; returns that index."""
    try:
        template = load_template(alias)
        es.indices.put_index_template(name=alias, **template)
        if es.indices.exists_alias(name=alias):
            indices = es.indices.get_alias(name=alias)
            write_index = next(
                (
                    index
                    for index, body in indices.items()
                    if body["aliases"][alias].get("is_write_index", len(indices) == 1)
                ),
                next(iter(indices)),
            )
            _add_new_fields(es, write_index, template)
            return write_index
        if es.indices.exists(index=alias):
            return alias  # a plain index of that name (set up by hand): use it as it is
        index = f"{alias}-v1"
        es.indices.create(index=index, aliases={alias: {"is_write_index": True}})
        return index
    except ES_ERRORS as exc:
        raise SearchUnavailable(
            describe_error(es, f"the set-up of index alias '{alias}'", exc)
        ) from exc


def _add_new_fields(es: Elasticsearch, index: str, template: dict[str, Any]) -> None:
    """Give an existing index the fields a newer template adds (the mapping is strict: a
    document with a field its index lacks would be rejected). Changing an existing field's
    type is refused by Elasticsearch: that needs `reindex` into a new index version."""
    properties = template["template"]["mappings"]["properties"]
    es.indices.put_mapping(index=index, properties=properties)


def ensure_target_index(es: Elasticsearch, alias: str, index: str) -> None:
    """Create `index` (a new version behind `alias`) with the template applied, if missing."""
    if not index.startswith(f"{alias}-"):
        raise ConfigError(
            f"target index {index!r} must be named {alias}-<version> to get the template"
        )
    try:
        if not es.indices.exists(index=index):
            es.indices.create(index=index)
    except ES_ERRORS as exc:
        raise SearchUnavailable(describe_error(es, f"creating index '{index}'", exc)) from exc


def swap_alias(es: Elasticsearch, alias: str, index: str) -> None:
    """Point `alias` at `index` alone, atomically."""
    actions: list[dict[str, Any]] = [
        {"add": {"index": index, "alias": alias, "is_write_index": True}}
    ]
    try:
        if es.indices.exists_alias(name=alias):
            for old in es.indices.get_alias(name=alias):
                if old != index:
                    actions.insert(0, {"remove": {"index": old, "alias": alias}})
        es.indices.update_aliases(actions=actions)
    except ES_ERRORS as exc:
        raise SearchUnavailable(
            describe_error(es, f"pointing alias '{alias}' at '{index}'", exc)
        ) from exc
