"""Feed lists: YAML (`feeds: [{url, title?, respect_robots?}]` or a plain list), OPML, or text.

Every list is bounded: the file (MAX_FEED_LIST_BYTES), YAML aliases and nesting
(bounded_input), OPML entities (refused), and the values quoted in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from mediamon.bounded_input import InputRefused, bounded_repr, load_yaml, read_bounded
from mediamon.feeds.sanitise import declares_entities
from mediamon.fetch.urls import InvalidURL, has_userinfo, normalise_url

MAX_FEED_LIST_BYTES = 16 * 1024 * 1024  # 100,000 feeds take about 10 MB
MAX_TITLE = 1000


class FeedListError(ValueError):
    """The feed list file cannot be read (one line for the user)."""


@dataclass(frozen=True)
class FeedSpec:
    url: str
    title: str | None = None
    respect_robots: bool = True


def check_feed_url(url: str) -> str:
    """The feed URL normalised; FeedListError (saying why) for one mediamon cannot poll.

    A URL with `user:password@` is refused: the fetcher sends no credentials, so the feed
    would only ever fail with HTTP 401, and the password would be stored in the clear.
    """
    try:
        if has_userinfo(url):
            raise InvalidURL(
                "feed URL carries a user name or password (user:pass@host): not supported,"
                f" mediamon sends no credentials: {bounded_repr(url.rpartition('@')[2])}"
            )
        return normalise_url(url)
    except InvalidURL as exc:
        raise FeedListError(str(exc)) from exc


def _spec(url: object, title: object = None, respect_robots: object = True) -> FeedSpec:
    if not isinstance(url, str):
        raise FeedListError(f"feed URL must be text, got {bounded_repr(url)}")
    if title is not None and not isinstance(title, str | int | float):
        raise FeedListError(f"feed title must be text, got {bounded_repr(title)}")
    shown = str(title).strip()[:MAX_TITLE] if title is not None else ""
    return FeedSpec(check_feed_url(url), shown or None, bool(respect_robots))


def parse_yaml(text: str | bytes) -> list[FeedSpec]:
    try:
        data = load_yaml(text, MAX_FEED_LIST_BYTES)
    except InputRefused as exc:
        raise FeedListError(str(exc)) from exc
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
            raise FeedListError(f"feed entry needs a url: {bounded_repr(item)}")
    return specs


def parse_opml(data: bytes) -> list[FeedSpec]:
    if len(data) > MAX_FEED_LIST_BYTES:
        raise FeedListError(f"OPML file is larger than {MAX_FEED_LIST_BYTES:,} bytes")
    if declares_entities(data):
        raise FeedListError("OPML file declares XML entities (refused: entity expansion risk)")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FeedListError(f"not valid OPML: {str(exc)[:200]}") from exc
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
        data = read_bounded(path, MAX_FEED_LIST_BYTES, "feed list")
    except InputRefused as exc:
        raise FeedListError(str(exc)) from exc
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
