"""Connect arguments for the test Airflow's SQLite metadata database (its
`[database] sql_alchemy_connect_args`).

`airflow standalone` runs a scheduler, a DAG processor and an API server on one SQLite file,
and the tests' CLI calls (`backfill create`, `dags trigger`) write to it too: with sqlite3's
default 5 s busy timeout a CLI write now and then failed with "database is locked".
"""

CONNECT_ARGS = {"timeout": 60}
