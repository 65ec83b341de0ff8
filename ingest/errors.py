"""The one error a source can raise to fail its ingestion; the CLI prints it as one line (exit 1)."""


class IngestError(Exception):
    """A source file cannot be read at all (undecodable, header lacks a listed column, bad file name)."""


class StoreFormatError(IngestError):
    """The home's event store is of another format than this code's (``ingest.schema.STORE_FORMAT``)."""
