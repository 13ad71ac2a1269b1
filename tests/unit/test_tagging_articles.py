"""The default watchlist tags the demo newsroom's source articles (11 languages, labelled
with the groups each names) exactly: per article, and as precision/recall per language."""

from collections import Counter
from pathlib import Path

import pytest
import yaml

from mediamon.tagging.matcher import Tagger
from mediamon.tagging.watchlist import load_watchlist

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "plugins" / "mediamon" / "demo" / "articles"
TAGGER = Tagger(load_watchlist(ROOT / "config" / "watchlist.yaml"))
LANGUAGES = {"en", "ru", "uk", "ar", "fa", "ps", "ur", "fr", "de", "es", "tr"}


def _articles() -> list[dict]:
    found = []
    for path in sorted(ARTICLES.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            paragraphs = [" ".join(p.split()) for p in str(item["body"]).split("\n\n")]
            found.append(
                {
                    "id": item["id"],
                    "language": item["language"],
                    "title": " ".join(str(item["title"]).split()),
                    "body": "\n\n".join(p for p in paragraphs if p),
                    "groups": sorted(item.get("groups") or []),
                }
            )
    return found


ARTICLE_LIST = _articles()


def _scores(language_of) -> dict[str, tuple[float, float, float]]:
    """language -> (precision, recall, F1) over (article, group) pairs, "all" for all."""
    counts: dict[str, Counter] = {}
    for article in ARTICLE_LIST:
        tags = TAGGER.tag(article["title"], article["body"], language=language_of(article))
        found, labelled = set(tags.groups), set(article["groups"])
        for key in (article["language"], "all"):
            count = counts.setdefault(key, Counter())
            count["tp"] += len(found & labelled)
            count["fp"] += len(found - labelled)
            count["fn"] += len(labelled - found)
    scores = {}
    for key, count in counts.items():
        precision = count["tp"] / (count["tp"] + count["fp"]) if count["tp"] + count["fp"] else 1.0
        recall = count["tp"] / (count["tp"] + count["fn"]) if count["tp"] + count["fn"] else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[key] = (precision, recall, f1)
    return scores


def test_the_demo_newsroom_has_articles_in_every_language():
    assert {a["language"] for a in ARTICLE_LIST} == LANGUAGES


@pytest.mark.parametrize("article", ARTICLE_LIST, ids=[a["id"] for a in ARTICLE_LIST])
def test_an_article_is_tagged_with_exactly_its_labelled_groups(article):
    tags = TAGGER.tag(article["title"], article["body"], language=article["language"])
    assert tags.groups == article["groups"]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_tagging_reaches_f1_095_in_each_language(language):
    precision, recall, f1 = _scores(lambda a: a["language"])[language]
    assert f1 >= 0.95, f"{language}: precision {precision:.2f}, recall {recall:.2f}"


def test_tagging_precision_over_all_languages_is_at_least_098():
    precision, _, _ = _scores(lambda a: a["language"])["all"]
    assert precision >= 0.98


def test_without_the_article_language_its_other_names_still_find_the_groups():
    """Pages that declare no language: every group still found by its other names."""
    precision, recall, _ = _scores(lambda a: None)["all"]
    assert precision >= 0.98 and recall >= 0.95
