"""The environment a test Airflow runs with: its own home, our DAGs and plugins, the stack."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mediamon.settings import PROJECT_ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
HERE = Path(__file__).resolve().parent


def airflow_env(home: Path, stack_settings) -> dict[str, str]:
    return {
        # `airflow standalone` starts its components as `airflow ...` from PATH.
        "PATH": f"{Path(AIRFLOW).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Every Airflow process waits for SQLite's write lock instead of failing at 5 s.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "sqlite_connect_args.CONNECT_ARGS",
        "AIRFLOW_CONN_MEDIAMON_DB": stack_settings.database_url,
        "AIRFLOW_CONN_MEDIAMON_ES": stack_settings.elasticsearch_url,
        "MEDIAMON_INDEX": stack_settings.index,
        "MEDIAMON_WATCHLIST": str(stack_settings.watchlist_path),
    }
