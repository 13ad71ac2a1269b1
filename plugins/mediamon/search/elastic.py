"""The Elasticsearch client and its errors: every failure told in one line (which
Elasticsearch, what it refused or why it did not answer, what to do)."""

from __future__ import annotations

import json
import re

import elastic_transport
from elasticsearch import ApiError, Elasticsearch

from mediamon.settings import ConfigError

# Per-document errors that describe the index, not the document: every document meets
# them until someone lifts them, so none of them counts toward dead-lettering.
INDEX_OUTAGE_ERRORS = frozenset({"cluster_block_exception", "index_closed_exception"})
# Elasticsearch reasons can be long (stack-like "caused by" chains); messages stay one line.
_MAX_REASON_CHARS = 400
_BLOCKED_BY = re.compile(r"blocked by: \[(?P<block>.*)\]")
_INDEX_IN_REASON = re.compile(r"index \[(?P<index>[^\]]+)\]")
# Not answering (connection, timeout, TLS) and answering with an error are separate classes.
ES_ERRORS = (elastic_transport.TransportError, ApiError)


class SearchUnavailable(RuntimeError):
    """Elasticsearch did not answer or refused (one line: what, where, what to do)."""


def client(url: str) -> Elasticsearch:
    """A client for `url`; a malformed URL is a ConfigError naming it (without credentials)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    problem = None if scheme in ("http", "https") else "it must start with http:// or https://"
    if problem is None:
        try:
            return Elasticsearch(url, request_timeout=30, max_retries=1, retry_on_timeout=False)
        except ValueError:
            problem = "it needs a scheme, a host and a port"
    raise ConfigError(
        f"malformed Elasticsearch URL {without_credentials(url)!r}: {problem}"
        " (e.g. http://127.0.0.1:9200); correct MEDIAMON_ELASTICSEARCH_URL"
    )


def without_credentials(url: str) -> str:
    """`url` for display: any user:password@ part removed."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)?[^/@]*@", r"\1", url)


def node_url(es: Elasticsearch) -> str:
    """The node's address as messages show it (the client keeps credentials apart)."""
    nodes = es.transport.node_pool.all()
    return nodes[0].base_url if nodes else "(no node configured)"


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _MAX_REASON_CHARS:
        return text
    return text[:_MAX_REASON_CHARS].rsplit(" ", 1)[0] + " ..."


def _innermost(exc: BaseException) -> BaseException:
    """The root of elastic-transport's nested errors (e.g. the OSError behind a refusal)."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        nested = getattr(exc, "errors", ()) or ()
        following = nested[-1] if nested else exc.__cause__
        if not isinstance(following, BaseException):
            break
        exc = following
    return exc


def _transport_reason(exc: BaseException) -> str:
    root = _innermost(exc)
    if isinstance(root, OSError) and root.strerror:
        return root.strerror
    return _one_line(str(root) or type(root).__name__)


def _api_cause(exc: ApiError) -> tuple[str | None, str]:
    """(error type, reason) from an Elasticsearch error answer."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            causes = error.get("root_cause") or [error]
            cause = causes[0] if isinstance(causes[0], dict) else error
            return cause.get("type"), _one_line(str(cause.get("reason") or error.get("reason")))
        if error:
            return None, _one_line(str(error))
    text = body if isinstance(body, str) and body.strip() not in ("", "None") else exc.message
    return None, _one_line(str(text))


def _api_advice(status: int, kind: str | None) -> str:
    if status == 401:
        return "check the user and password in MEDIAMON_ELASTICSEARCH_URL"
    if status == 403 and kind == "security_exception":
        return "give the user in MEDIAMON_ELASTICSEARCH_URL the index privileges mediamon needs"
    if status == 429 or status >= 500:
        return "Elasticsearch is overloaded or unhealthy; check its log and `GET _cluster/health`"
    return "check the Elasticsearch log"


def describe_error(es: Elasticsearch, action: str, exc: Exception) -> str:
    """One line: which Elasticsearch, what it refused or why it did not answer, what to do."""
    url = node_url(es)
    if isinstance(exc, elastic_transport.ConnectionTimeout):
        return (
            f"Elasticsearch at {url} did not answer {action} in time"
            f" ({_transport_reason(exc)}); check its load and log"
        )
    if isinstance(exc, elastic_transport.TransportError):
        return (
            f"Elasticsearch at {url} does not answer {action} ({_transport_reason(exc)});"
            " start it (`mediamon stack up`) or correct MEDIAMON_ELASTICSEARCH_URL"
        )
    if isinstance(exc, ApiError):
        kind, reason = _api_cause(exc)
        status = exc.status_code
        label = f"{kind}, HTTP {status}" if kind else f"HTTP {status}"
        return (
            f"Elasticsearch at {url} refused {action}: {reason} ({label});"
            f" {_api_advice(status, kind)}"
        )
    return f"Elasticsearch at {url} failed {action}: {_one_line(str(exc) or type(exc).__name__)}"


def _curl(method: str, url: str, body: dict | None = None) -> str:
    data = f" -H 'Content-Type: application/json' -d '{json.dumps(body)}'" if body else ""
    return f"`curl -X {method} '{url}'{data}`"


def _block_problem(url: str, index: str | None, reason: str) -> tuple[str, str]:
    """(what is blocked, how to lift it) for a cluster_block_exception's reason."""
    match = _BLOCKED_BY.search(reason)
    block = match.group("block") if match else reason
    target = f"index '{index}'" if index else "the index"
    settings_url = f"{url}/{index}/_settings" if index else f"{url}/_all/_settings"
    if "read-only-allow-delete" in block:
        setting = "index.blocks.read_only_allow_delete"
        return (
            f"{target} is read-only because the node's disk passed its flood-stage watermark",
            "free disk space on the node (Elasticsearch then lifts the block itself) or lift it"
            f" with {_curl('PUT', settings_url, {setting: None})}",
        )
    for words, setting, state in (
        ("index write", "index.blocks.write", "write-blocked"),
        ("index read-only", "index.blocks.read_only", "read-only"),
    ):
        if words in block:
            return (
                f"{target} is {state}",
                f"lift it with {_curl('PUT', settings_url, {setting: None})}",
            )
    if "cluster read-only" in block:
        return (
            "the cluster is read-only",
            "lift it with `PUT _cluster/settings` setting cluster.blocks.read_only"
            " (and cluster.blocks.read_only_allow_delete) to null",
        )
    description = block.split("/", 2)[-1] if block.count("/") >= 2 else block
    return (
        f"{target} is blocked ({_one_line(description)})",
        "lift the block, see the Elasticsearch log",
    )


def item_outage(es: Elasticsearch, item: dict) -> str:
    """One line for a per-document error that is the index's (see INDEX_OUTAGE_ERRORS)."""
    url = node_url(es)
    error = item.get("error") or {}
    kind = error.get("type")
    reason = str(error.get("reason") or "")
    found = _INDEX_IN_REASON.search(reason)
    index = error.get("index") or (found.group("index") if found else item.get("_index"))
    if kind == "index_closed_exception":
        problem, advice = (
            f"index '{index}' is closed",
            f"open it with {_curl('POST', f'{url}/{index}/_open')}",
        )
    else:
        problem, advice = _block_problem(url, index, reason)
    return f"Elasticsearch at {url} refused the bulk request: {problem} ({kind}); {advice}"
