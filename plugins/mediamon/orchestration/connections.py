"""Settings for code running under Airflow: services from Airflow connections.

`mediamon_db` (AIRFLOW_CONN_MEDIAMON_DB) and `mediamon_es` (AIRFLOW_CONN_MEDIAMON_ES)
win over MEDIAMON_DATABASE_URL / MEDIAMON_ELASTICSEARCH_URL when they exist; the rest
of the configuration comes from `mediamon.settings` as everywhere else.
"""

from __future__ import annotations

from urllib.parse import quote

from mediamon import settings as settings_module

DB_CONN_ID = "mediamon_db"
ES_CONN_ID = "mediamon_es"


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


def airflow_settings() -> settings_module.Settings:
    settings = settings_module.load()
    db_conn, es_conn = _connection(DB_CONN_ID), _connection(ES_CONN_ID)
    return settings.with_services(
        database_url(db_conn) if db_conn else settings.database_url,
        elasticsearch_url(es_conn) if es_conn else settings.elasticsearch_url,
    )
