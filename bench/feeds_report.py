"""bench.feeds's figures: mediamon's outcome per file set against plain feedparser's."""

from __future__ import annotations

from collections import Counter

from bench.common import mojibake_runs
from bench.guard import Outcome
from mediamon.text import clean_text

LISTED = 20


def reason_class(message: str) -> str:
    """A reason without its particulars: `a: b: detail` -> `a: b`."""
    return ": ".join(message.split(": ")[:2])


def _clean(title: object) -> str | None:
    return (clean_text(title).strip() or None) if isinstance(title, str) else None


def _mojibake(name: str, mine: dict, plain: Outcome) -> list[dict]:
    """mediamon titles with mojibake or U+FFFD that feedparser does not give."""
    theirs = set() if plain.error else {_clean(title) for title in plain.value["titles"]}
    return [
        {"file": name, "title": title[:120]}
        for title in mine["titles"]
        if title and (mojibake_runs(title) or "\ufffd" in title) and title not in theirs
    ]


def compare(names: list[str], mediamon: list[Outcome], plain: list[Outcome]) -> dict:
    outcomes, refusals, skips, malformed = Counter(), Counter(), Counter(), Counter()
    refused, refused_read, refused_format, fewer, flagged, mojibake = [], [], [], [], [], []
    raised, plain_raised = [], []
    kept = 0
    for name, mine, theirs in zip(names, mediamon, plain, strict=True):
        fp = None if theirs.error else theirs.value
        if theirs.error:
            plain_raised.append({"file": name, "type": theirs.error, "detail": theirs.detail})
        if mine.error:
            raised.append({"file": name, "type": mine.error, "detail": mine.detail})
            continue
        outcome = mine.value
        if outcome["status"] == "parse_error":
            outcomes["parse_error"] += 1
            refusals[reason_class(outcome["error"])] += 1
            refused.append({"file": name, "reason": outcome["error"]})
            if fp and fp["entries"]:
                refused_read.append({"file": name, "reason": outcome["error"]})
            elif fp and fp["version"]:
                refused_format.append({"file": name, "reason": outcome["error"]})
            continue
        outcomes["ok"] += 1
        kept += outcome["entries"]
        skips.update(reason_class(reason) for reason in outcome["skipped"])
        outcomes["ok, entries skipped"] += bool(outcome["skipped"])
        outcomes["ok, no entries"] += not outcome["entries"]
        if outcome["malformed"]:
            outcomes["ok, malformed (recovered)"] += 1
            malformed[outcome["malformed"].split(":")[0]] += 1
            if fp and not fp["bozo"]:
                flagged.append({"file": name, "malformed": outcome["malformed"]})
        if fp and outcome["entries"] < fp["linked"]:
            first = outcome["skipped"][0] if outcome["skipped"] else "no entry skipped"
            fewer.append(
                {
                    "file": name,
                    "feedparser_linked": fp["linked"],
                    "mediamon_kept": outcome["entries"],
                    "first_skip": first,
                }
            )
        mojibake += _mojibake(name, outcome, theirs)
    read = [theirs.value for theirs in plain if not theirs.error]
    return {
        "dataset": "feedparser-tests",
        "files": len(names),
        "mediamon": {
            "files_parsed": outcomes["ok"],
            "files_refused": outcomes["parse_error"],
            "files_raised": len(raised),
            "entries_kept": kept,
            "entries_skipped": sum(skips.values()),
            "outcomes": dict(outcomes.most_common()),
        },
        "feedparser": {
            "files_read": len(read),
            "files_with_entries": sum(bool(fp["entries"]) for fp in read),
            "files_bozo": sum(bool(fp["bozo"]) for fp in read),
            "entries": sum(fp["entries"] for fp in read),
            "entries_with_link": sum(fp["linked"] for fp in read),
            "files_raised": len(plain_raised),
        },
        "refusals": dict(refusals.most_common()),
        "refused_files": refused,
        "skip_reasons": dict(skips.most_common()),
        "malformed_reasons": dict(malformed.most_common()),
        "refused_feedparser_reads": {"count": len(refused_read), "first": refused_read[:LISTED]},
        "refused_feedparser_recognises": {
            "count": len(refused_format),
            "first": refused_format[:LISTED],
        },
        "fewer_entries_than_linked": {"count": len(fewer), "first": fewer[:LISTED]},
        "malformed_feedparser_clean": {"count": len(flagged), "first": flagged[:LISTED]},
        "mojibake_titles": {"count": len(mojibake), "first": mojibake[:LISTED]},
        "exceptions": raised,
        "feedparser_exceptions": plain_raised,
    }


def _counts(title: str, counts: dict[str, int]) -> list[str]:
    return [title, *(f"  {count:>5}  {reason}" for reason, count in counts.items())]


def table(result: dict) -> str:
    mine, plain = result["mediamon"], result["feedparser"]
    lines = [
        f"{result['files']} feed files"
        + ("" if result.get("base_url_given", True) else " (parse_feed takes no base URL)"),
        f"{'':<42}{'mediamon':>10}{'feedparser':>12}",
        f"{'files parsed':<42}{mine['files_parsed']:>10}{plain['files_read']:>12}",
        f"{'files refused (parse_error)':<42}{mine['files_refused']:>10}{'-':>12}",
        f"{'entries (kept / returned)':<42}{mine['entries_kept']:>10}{plain['entries']:>12}",
        f"{'entries with a link':<42}{'':>10}{plain['entries_with_link']:>12}",
        f"{'exceptions raised':<42}{mine['files_raised']:>10}{plain['files_raised']:>12}",
        "",
        *_counts("outcomes as poll.py records them (files)", mine["outcomes"]),
        *_counts("refusals by reason (files)", result["refusals"]),
        *_counts("entries skipped by reason", result["skip_reasons"]),
        *_counts(
            "malformed, recovered, by feedparser's bozo class (files)", result["malformed_reasons"]
        ),
    ]
    sections = (
        ("refused_feedparser_reads", "files feedparser reads with >= 1 entry, refused", "reason"),
        (
            "refused_feedparser_recognises",
            "files feedparser recognises (no entries), refused",
            "reason",
        ),
        ("fewer_entries_than_linked", "files with fewer entries kept than feedparser links", None),
        ("malformed_feedparser_clean", "files flagged malformed that feedparser reads clean", None),
        ("mojibake_titles", "mediamon titles with mojibake or U+FFFD", "title"),
    )
    for key, title, field in sections:
        section = result[key]
        lines.append(f"{title}: {section['count']}")
        for row in section["first"]:
            if field:
                lines.append(f"  {row['file']}: {row[field]}")
            elif "malformed" in row:
                lines.append(f"  {row['file']}: {row['malformed']}")
            else:
                lines.append(
                    f"  {row['file']}: feedparser {row['feedparser_linked']} with a link,"
                    f" mediamon {row['mediamon_kept']} ({row['first_skip']})"
                )
    lines.append(f"exceptions raised by mediamon: {len(result['exceptions'])}")
    lines += [f"  {row['file']}: {row['type']}: {row['detail']}" for row in result["exceptions"]]
    return "\n".join(lines)
