"""Hostile or mistaken files given to the command line: feed lists and watchlists.

Each is refused with one `error:` line and exit status 2 (or, for a risky but valid
watchlist, loaded with a `warning:` line), within bounded time and memory, and nothing
stored is changed by a refused file.
"""

from __future__ import annotations

import resource
import subprocess
import time

from mediamon.settings import PROJECT_ROOT
from mediamon.store.db import connect
from support import TEST_INDEX

# Like the 341-byte file: nine levels of nine aliases, 9**9 strings once expanded.
BILLION_LAUGHS_YAML = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "feeds: [*i]\n"
)
MEMORY_LIMIT = 2 * 1024**3  # address space of the command: a regression fails, not the host


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def mediamon(settings, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "300",
        "MEDIAMON_DATABASE_URL": settings.database_url,
        "MEDIAMON_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "MEDIAMON_INDEX": TEST_INDEX,
        "MEDIAMON_CACHE_DIR": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "mediamon"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=_limit_memory,
    )


def _article_with_tags(settings) -> int:
    with connect(settings.database_url) as conn, conn.transaction():
        return conn.execute(
            "INSERT INTO articles (canonical_url, url, source, title, text, groups,"
            " groups_with_ancestors) VALUES ('https://a.example/1', 'https://a.example/1',"
            " 'a.example', 'Hamas statement', 'Hamas said on Monday.', '{hamas}', '{hamas}')"
            " RETURNING id"
        ).fetchone()["id"]


def _groups(settings, article_id: int) -> list[str]:
    with connect(settings.database_url) as conn:
        row = conn.execute("SELECT groups FROM articles WHERE id = %s", (article_id,)).fetchone()
    return list(row["groups"])


def test_a_yaml_bomb_of_a_few_hundred_bytes_is_refused_at_once(clean_stack, tmp_path):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(BILLION_LAUGHS_YAML)
    assert feeds.stat().st_size < 400
    started = time.perf_counter()
    result = mediamon(clean_stack, tmp_path, "feeds", "import", str(feeds))
    assert time.perf_counter() - started < 20
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith("error: YAML aliases repeat more than 100,000 values")
    assert "Traceback" not in result.stderr


def test_feeds_add_refuses_a_url_with_credentials(clean_stack, tmp_path):
    result = mediamon(clean_stack, tmp_path, "feeds", "add", "https://reader:s3cret@a.example/rss")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "error: feed URL carries a user name or password" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    with connect(clean_stack.database_url) as conn:
        assert conn.execute("SELECT count(*) AS n FROM feeds").fetchone()["n"] == 0


def test_retag_refuses_an_empty_watchlist_and_keeps_the_tags(clean_stack, tmp_path):
    article = _article_with_tags(clean_stack)
    empty = tmp_path / "empty.yaml"
    empty.write_text("groups: []\n")
    result = mediamon(clean_stack, tmp_path, "retag", "--watchlist", str(empty))
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stderr.startswith(f"error: watchlist {empty}: no groups listed")
    assert _groups(clean_stack, article) == ["hamas"]


def test_retag_with_allow_empty_removes_every_tag(clean_stack, tmp_path):
    article = _article_with_tags(clean_stack)
    empty = tmp_path / "empty.yaml"
    empty.write_text("groups: []\n")
    result = mediamon(clean_stack, tmp_path, "retag", "--watchlist", str(empty), "--allow-empty")
    assert result.returncode == 0, result.stderr[-2000:]
    assert _groups(clean_stack, article) == []


def test_a_common_word_alias_is_a_visible_warning(clean_stack, tmp_path):
    article = _article_with_tags(clean_stack)
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(
        "groups:\n  - {id: hamas, name: Hamas, aliases: [Hamas]}\n"
        "  - {id: is, name: Islamic State, aliases: [Islamic State, IS]}\n"
    )
    result = mediamon(clean_stack, tmp_path, "retag", "--watchlist", str(watchlist))
    assert result.returncode == 0, result.stderr[-2000:]
    assert (
        f"warning: watchlist {watchlist}: 1 alias(es) are common words and will tag nearly"
        " every article: 'IS' (group is, en)"
    ) in result.stderr
    assert _groups(clean_stack, article) == ["hamas"]
