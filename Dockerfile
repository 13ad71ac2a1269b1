# Airflow with mediamon installed (editable at /opt/mediamon, so sql/, elasticsearch/ and
# kibana/ travel with the package). Versions come from constraints.txt.
FROM apache/airflow:3.3.2-python3.11

USER root
COPY --chown=airflow:root . /opt/mediamon
USER airflow
RUN pip install --no-cache-dir -c /opt/mediamon/constraints.txt -e "/opt/mediamon[airflow]"

ENV AIRFLOW__CORE__PLUGINS_FOLDER=/opt/mediamon/plugins \
    MEDIAMON_WATCHLIST=/opt/mediamon/config/watchlist.yaml \
    MEDIAMON_FEEDS_FILE=/opt/mediamon/config/feeds.yaml
