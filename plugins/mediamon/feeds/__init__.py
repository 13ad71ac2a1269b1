"""Feeds: feed lists (YAML, OPML, text), safe parsing of RSS/Atom bodies, adaptive polling."""
