"""The environment a test Airflow runs with: its own home, our DAGs and plugins, the stack."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mediamon.settings import PROJECT_ROOT

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


def airflow_env(home: Path, stack_settings) -> dict[str, str]:
    return {
        # `airflow standalone` starts its components as `airflow ...` from PATH.
        "PATH": f"{Path(AIRFLOW).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW_CONN_MEDIAMON_DB": stack_settings.database_url,
        "AIRFLOW_CONN_MEDIAMON_ES": stack_settings.elasticsearch_url,
        "MEDIAMON_INDEX": stack_settings.index,
        "MEDIAMON_WATCHLIST": str(stack_settings.watchlist_path),
    }
