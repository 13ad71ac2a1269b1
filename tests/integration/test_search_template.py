"""The index template applies to the real Elasticsearch node of the local stack."""

from mediamon.search.elastic import client
from mediamon.search.index_setup import ensure_index


def test_the_template_applies_and_the_alias_points_at_a_write_index(clean_stack):
    es = client(clean_stack.elasticsearch_url)
    index = ensure_index(es, clean_stack.index)
    assert index == f"{clean_stack.index}-v1"
    mapping = es.indices.get_mapping(index=index)[index]["mappings"]
    properties = mapping["properties"]
    assert mapping["dynamic"] == "strict"
    assert properties["published_at"]["type"] == "date"
    assert properties["mentions"]["type"] == "nested"
    assert properties["title"]["fields"]["keyword"]["type"] == "keyword"
    alias = es.indices.get_alias(name=clean_stack.index)[index]["aliases"][clean_stack.index]
    assert alias["is_write_index"] is True


def test_applying_the_template_twice_changes_nothing(clean_stack):
    es = client(clean_stack.elasticsearch_url)
    assert ensure_index(es, clean_stack.index) == ensure_index(es, clean_stack.index)
    assert list(es.indices.get_alias(name=clean_stack.index)) == [f"{clean_stack.index}-v1"]
