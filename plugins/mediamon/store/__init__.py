"""PostgreSQL, the system of record: connections, migrations and the tables' queries."""
