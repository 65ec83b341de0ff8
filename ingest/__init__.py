"""Ingestion: every source record becomes an immutable event in the append-only store."""
