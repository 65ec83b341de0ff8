"""The source systems, in ingestion order; a module of its own so that the DAG files can name
them without importing the ingestion code (pyarrow) while Airflow parses them. Each name is also
its connector's module, ``ingest/<name>.py`` (found by ``ingest.connectors.connector``)."""

SOURCES = ("roster", "meeting", "learning", "performance", "admin", "appeals")
