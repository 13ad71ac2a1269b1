"""Tracked groups: the watchlist and the mention tagger."""
