"""Build a fixture newsroom from the articles written for mediamon.

    python -m mediamon.demo.newsroom OUT_DIR [--seed 7] [--hard 0.3] [--languages en,ru,...]

Outlets with their own page templates and RSS or Atom feeds publish the source articles;
other outlets publish syndicated copies (wire datelines, credit lines, truncation, light
copy-editing, merged paragraphs, related links, rel=canonical), excerpts and rewrites; some
stories carry background paragraphs borrowed from another story (hard negatives); a
"top stories" feed lists entries of the others again with tracking parameters. Pages of other
languages declare their language rightly, not at all, or wrongly as English.

`labels.json` says, for every URL a feed lists, which document it is and that document's
story (copies share one), event, kind, language and tracked groups. Every page and feed is
written for BUILD_BASE_URL; the server rewrites it to the address it listens on. The same
seed, hardness and languages always give the same build.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from mediamon.demo.builder import NewsroomBuilder, NewsroomDocument, build_path
from mediamon.demo.outlets import ALL_LANGUAGES


def _headers(documents: list[NewsroomDocument]) -> dict[str, str]:
    """Content-Type of every page whose charset the server must say (or must not say)."""
    headers: dict[str, str] = {}
    for document in documents:
        outlet = document.outlet
        if outlet.charset_declared == "meta":
            headers[build_path(document.url)] = "text/html"
        elif outlet.charset != "utf-8":
            headers[build_path(document.url)] = f"text/html; charset={outlet.charset}"
    return headers


def write_site(out_dir: Path, files: dict[str, bytes], feed_urls: list[str]) -> None:
    """Replace `out_dir` with the site's files (served path -> body) and its feed list."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    for path, body in files.items():
        target = out_dir / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    (out_dir / "feeds.txt").write_text("\n".join(feed_urls) + "\n")


def build(
    out_dir: Path, seed: int = 7, hard: float = 0.3, languages: frozenset[str] = frozenset({"en"})
) -> dict:
    """Write a newsroom build into `out_dir` (replacing what is there); returns its labels."""
    builder = NewsroomBuilder(seed, hard, languages)
    builder.originals()
    builder.copies()
    pages = builder.pages()
    feeds, feed_urls = builder.feeds()
    labels = builder.labels(seed, languages)
    write_site(out_dir, {**pages, **feeds}, feed_urls)
    (out_dir / "_headers.json").write_text(json.dumps(_headers(builder.documents), indent=1))
    (out_dir / "labels.json").write_text(json.dumps(labels, indent=1, ensure_ascii=False))
    return labels


def parse_languages(text: str) -> frozenset[str]:
    """`en,ru` or `all` -> the set of language codes; unknown codes are an error."""
    if text == "all":
        return ALL_LANGUAGES
    codes = frozenset(code.strip() for code in text.split(",") if code.strip())
    unknown = codes - ALL_LANGUAGES
    if unknown or not codes:
        raise ValueError(f"unknown languages {sorted(unknown)}; known: {sorted(ALL_LANGUAGES)}")
    return codes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write the build into")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hard", type=float, default=0.3, help="0 to 1: more excerpts and edits")
    parser.add_argument("--languages", default="en", help="comma-separated codes, or all")
    args = parser.parse_args(argv)
    try:
        languages = parse_languages(args.languages)
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    labels = build(args.out, args.seed, args.hard, languages)
    docs = {info["doc"] for info in labels["documents"].values()}
    print(f"{len(docs)} documents, {len(labels['stories'])} stories in {args.out}")


if __name__ == "__main__":
    main()
