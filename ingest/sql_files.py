"""The connectors' parse SQL, kept as SQL files (package data, see pyproject.toml):
``ingest/sql/<source>/<entity>.sql``, one query per feed over the table ``records`` (see
:mod:`ingest.files`), and ``ingest/sql/macros.sql``, the helpers those queries call
(``shanghai_ts``, ``person_key``, …), created in every :class:`ingest.store.EventStore` session.

A value a query needs goes in as a DuckDB prepared parameter (``$name``, e.g. the phone key's
pads: :attr:`ingest.files.Feed.params`), except where SQL takes no parameter: a list after ``IN``
and a number also spelled inside a text literal. Those are slots, ``{{ name }}``:
``{{ <column>_values }}`` is the enumeration of that column of the feed's entity
(``ingest.schema.ENUMS``) as a list literal; any other slot is an integer the caller passes. A
slot without its value, a value without its slot, or a ``{{`` that opens no slot is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.schema import ENUMS, sql_set

SQL_DIR = Path(__file__).with_name("sql")
SLOT = re.compile(r"\{\{ ([a-z_]+) \}\}")


def read(name: str) -> str:
    """The text of ``ingest/sql/<name>``."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


def parse_query(source: str, entity: str, **numbers: int) -> str:
    """The parse query of the feed ``(source, entity)`` with its slots filled (see module doc)."""
    text = read(f"{source}/{entity}.sql")
    slots = set(SLOT.findall(text))
    enums = {
        slot: sql_set(source, entity, column)
        for slot in slots
        if (column := slot.removesuffix("_values")) != slot and (source, entity, column) in ENUMS
    }
    for name, number in numbers.items():
        if type(number) is not int:
            raise TypeError(f"{source}/{entity}.sql: slot {name} takes an integer, not {number!r}")
    values = enums | {name: str(number) for name, number in numbers.items()}
    if slots != values.keys():
        raise ValueError(
            f"{source}/{entity}.sql: slots without a value {sorted(slots - values.keys())}, "
            f"values without a slot {sorted(values.keys() - slots)}"
        )
    query = SLOT.sub(lambda m: values[m.group(1)], text)
    if "{{" in query:
        raise ValueError(
            f"{source}/{entity}.sql: a '{{{{' opens no slot (slots are {{{{ name }}}}, name in a-z_)"
        )
    return query
