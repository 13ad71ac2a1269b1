"""Elasticsearch: the index template, the write alias, documents, and the outbox-driven indexer."""
