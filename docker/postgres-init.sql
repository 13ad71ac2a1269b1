-- A separate database (and role) for mediamon beside Airflow's metadata database.
CREATE ROLE mediamon LOGIN PASSWORD 'mediamon';
CREATE DATABASE mediamon OWNER mediamon;
