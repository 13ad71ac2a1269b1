"""Benchmarks, run on demand (never as timed tests). See README.md for each command."""
