"""A real Airflow 3 for the DAG tests: its own AIRFLOW_HOME (SQLite), migrated once.

The Airflow settings must be in the environment before Airflow is imported, so this
fixture sets them and imports Airflow only afterwards.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from airflow_env import AIRFLOW, airflow_env
from mediamon.settings import PROJECT_ROOT


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory, stack_settings):
    home = tmp_path_factory.mktemp("airflow-home")
    env = airflow_env(home, stack_settings)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        full_env = {**os.environ}
        subprocess.run([AIRFLOW, "db", "migrate"], env=full_env, check=True, capture_output=True)
        subprocess.run(
            [AIRFLOW, "pools", "set", "mediamon_fetch", "8", "mediamon fetching"],
            env=full_env,
            check=True,
            capture_output=True,
        )
        yield home


@pytest.fixture(scope="session")
def dagbag(airflow_home):
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(PROJECT_ROOT / "dags"))
