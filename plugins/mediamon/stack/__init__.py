"""The local development stack: a real PostgreSQL server and a real Elasticsearch node on loopback."""
