"""Glue for Airflow: the work each DAG task does, and settings from Airflow connections."""
