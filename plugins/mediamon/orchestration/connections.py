"""Settings for code running under Airflow: services from Airflow connections.

`mediamon_db` (AIRFLOW_CONN_MEDIAMON_DB) and `mediamon_es` (AIRFLOW_CONN_MEDIAMON_ES)
win over MEDIAMON_DATABASE_URL / MEDIAMON_ELASTICSEARCH_URL when they exist; the rest
of the configuration comes from `mediamon.settings` as everywhere else.

Alerts: `mediamon_smtp` (type smtp: host, port, login, password; extra `{"starttls": true}`
or `{"ssl": true}`, and `{"from": address}`) wins over MEDIAMON_SMTP_URL, and the extra of
`mediamon_webhooks` maps the names subscriptions give in `url_env` to webhook URLs, which
win over environment variables of those names.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import quote

from mediamon import settings as settings_module

DB_CONN_ID = "mediamon_db"
ES_CONN_ID = "mediamon_es"
SMTP_CONN_ID = "mediamon_smtp"
WEBHOOKS_CONN_ID = "mediamon_webhooks"


def _connection(conn_id: str):
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    try:
        return Connection.get(conn_id)
    except (AirflowNotFoundException, AirflowRuntimeError):
        return None


def _credentials(conn) -> str:
    if not conn.login:
        return ""
    password = f":{quote(conn.password, safe='')}" if conn.password else ""
    return f"{quote(conn.login, safe='')}{password}@"


def database_url(conn) -> str:
    port = f":{conn.port}" if conn.port else ""
    return f"postgresql://{_credentials(conn)}{conn.host}{port}/{conn.schema or 'mediamon'}"


def elasticsearch_url(conn) -> str:
    scheme = (
        "https"
        if conn.conn_type in ("https", "elasticsearch+https") or conn.port == 443
        else "http"
    )
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{_credentials(conn)}{conn.host}{port}"


def _extra(conn) -> dict:
    extra = conn.extra_dejson
    return extra if isinstance(extra, dict) else {}


def smtp_url(conn) -> str:
    extra = _extra(conn)
    tls = bool(extra.get("ssl")) or conn.conn_type == "smtps"
    port = f":{conn.port}" if conn.port else ""
    starttls = "?starttls=true" if extra.get("starttls") and not tls else ""
    return f"{'smtps' if tls else 'smtp'}://{_credentials(conn)}{conn.host}{port}{starttls}"


def webhook_urls(conn) -> tuple[tuple[str, str], ...]:
    """The webhook URLs by name, from the connection's extra ({"NAME": "https://..."})."""
    return tuple(sorted((str(k), v) for k, v in _extra(conn).items() if isinstance(v, str) and v))


def airflow_settings() -> settings_module.Settings:
    settings = settings_module.load()
    db_conn, es_conn = _connection(DB_CONN_ID), _connection(ES_CONN_ID)
    settings = settings.with_services(
        database_url(db_conn) if db_conn else settings.database_url,
        elasticsearch_url(es_conn) if es_conn else settings.elasticsearch_url,
    )
    smtp_conn, webhooks_conn = _connection(SMTP_CONN_ID), _connection(WEBHOOKS_CONN_ID)
    if smtp_conn is not None:
        sender = _extra(smtp_conn).get("from")
        settings = replace(
            settings,
            smtp_url=smtp_url(smtp_conn),
            alerts_sender=sender if isinstance(sender, str) and sender else settings.alerts_sender,
        )
    if webhooks_conn is not None:
        settings = replace(settings, webhook_urls=webhook_urls(webhooks_conn))
    return settings
