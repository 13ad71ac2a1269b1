"""The demo newsroom: articles written for mediamon, the builder that turns them into outlets,
feeds, syndicated copies and labels, and the loopback server that serves a build.

A development and demonstration tool (`mediamon demo`, the tests, the benchmarks): nothing in
the ingestion pipeline imports it."""
