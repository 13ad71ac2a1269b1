"""Extraction: article text and metadata from HTML (trafilatura), dates, charset decoding."""
