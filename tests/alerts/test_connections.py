"""Alert secrets from Airflow connections (orchestration/connections.py), without Airflow."""

from __future__ import annotations

from types import SimpleNamespace

from mediamon.alerts.email import parse_smtp_url
from mediamon.orchestration.connections import smtp_url, webhook_urls


def connection(**fields):
    base = {"conn_type": "smtp", "host": "mail.example.org", "port": 587, "login": None,
            "password": None, "extra_dejson": {}}  # fmt: skip
    return SimpleNamespace(**(base | fields))


def test_the_smtp_connection_becomes_an_smtp_url_with_its_login_and_starttls():
    conn = connection(login="alerts", password="p@ss/word", extra_dejson={"starttls": True})
    server = parse_smtp_url(smtp_url(conn))
    assert (server.host, server.port, server.starttls, server.tls) == (
        "mail.example.org", 587, True, False,
    )  # fmt: skip
    assert (server.user, server.password) == ("alerts", "p@ss/word")


def test_an_ssl_smtp_connection_becomes_smtps():
    server = parse_smtp_url(smtp_url(connection(port=465, extra_dejson={"ssl": True})))
    assert (server.tls, server.starttls, server.port) == (True, False, 465)


def test_the_webhooks_connection_maps_names_to_urls():
    conn = connection(extra_dejson={"DESK": "https://hooks.example/T/1", "EMPTY": "", "N": 3})
    assert webhook_urls(conn) == (("DESK", "https://hooks.example/T/1"),)
