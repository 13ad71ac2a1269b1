"""Feed lists: YAML (`feeds: [{url, title?, respect_robots?}]` or a plain list), OPML, or text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from lxml import etree

from mediamon.fetch.urls import InvalidURL, normalise_url


class FeedListError(ValueError):
    """The feed list file cannot be read (one line for the user)."""


@dataclass(frozen=True)
class FeedSpec:
    url: str
    title: str | None = None
    respect_robots: bool = True


def _spec(url: object, title: object = None, respect_robots: object = True) -> FeedSpec:
    if not isinstance(url, str):
        raise FeedListError(f"feed URL must be text, got {url!r}")
    try:
        normalised = normalise_url(url)
    except InvalidURL as exc:
        raise FeedListError(str(exc)) from exc
    return FeedSpec(normalised, str(title) if title else None, bool(respect_robots))


def parse_yaml(text: str) -> list[FeedSpec]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FeedListError(f"not valid YAML: {str(exc).splitlines()[0]}") from exc
    items = data.get("feeds") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise FeedListError("YAML feed list needs a top-level `feeds:` list")
    specs = []
    for item in items:
        if isinstance(item, str):
            specs.append(_spec(item))
        elif isinstance(item, dict) and "url" in item:
            specs.append(_spec(item["url"], item.get("title"), item.get("respect_robots", True)))
        else:
            raise FeedListError(f"feed entry needs a url: {item!r}")
    return specs


def parse_opml(data: bytes) -> list[FeedSpec]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedListError(f"not valid OPML: {exc}") from exc
    specs = []
    for outline in root.iter("outline"):
        url = outline.get("xmlUrl") or outline.get("xmlurl")
        if url:
            specs.append(_spec(url, outline.get("title") or outline.get("text")))
    if not specs:
        raise FeedListError("OPML file lists no feeds (no outline with xmlUrl)")
    return specs


def parse_text(text: str) -> list[FeedSpec]:
    return [
        _spec(line.strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def read_feed_list(path: Path) -> list[FeedSpec]:
    """Feeds listed in a .yaml/.yml, .opml/.xml or plain-text file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedListError(f"cannot read feed list {path}: {exc.strerror}") from exc
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        specs = parse_yaml(data.decode("utf-8", "replace"))
    elif suffix in (".opml", ".xml"):
        specs = parse_opml(data)
    else:
        specs = parse_text(data.decode("utf-8", "replace"))
    return list({spec.url: spec for spec in specs}.values())
