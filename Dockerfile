# Airflow with mediamon installed (editable at /opt/mediamon; its SQL migrations, index
# template and Kibana objects are package data). Versions come from constraints.txt.
FROM apache/airflow:3.3.2-python3.11

USER root
COPY --chown=airflow:root . /opt/mediamon
# The shared airflow.cfg lives on the airflow-config volume mounted here. A new named volume
# takes this directory's owner and mode, so it must exist and be writable by group 0: every
# container runs as AIRFLOW_UID in group 0 (docker-compose.yml).
RUN install -d -o airflow -g root -m 775 /opt/airflow/config
USER airflow
RUN pip install --no-cache-dir -c /opt/mediamon/constraints.txt -e "/opt/mediamon[airflow]"

ENV AIRFLOW__CORE__PLUGINS_FOLDER=/opt/mediamon/plugins \
    MEDIAMON_WATCHLIST=/opt/mediamon/config/watchlist.yaml \
    MEDIAMON_FEEDS_FILE=/opt/mediamon/config/feeds.yaml
