"""Fetching: one guarded, bounded HTTP client for feeds and pages, URL normalisation, robots.txt."""
