"""One wrong value in every field of every entity, in turn (issue 23): each is quarantined with
its reason, the valid record beside it is stored, and every stored column has exactly the type
the store declares (``ingest.schema``). Free-text fields have no wrong value: an odd one (a
formula, quotes, an object's text) is stored as written.

Each entity gets one file: a valid record first, then one record per case, each with its own
natural key. ``FIELDS`` names every input field of every feed, and a test fails when a field has
no case, so a new field cannot go untested.
"""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import wrong_values
from conftest import (
    ROSTER_HEADER,
    quarantine,
    write_csv,
    write_lines,
)
from wrong_values import CSV, ENTITY_CASES

from ingest import admin, learning, meeting, performance, roster
from ingest.run import ingest_source
from ingest.schema import ENTITIES, entity_schema

FILE_FEEDS = [*learning.feeds("key"), *performance.FEEDS, *admin.FEEDS]

# every input field of every feed, as the connectors define them: CSV header columns, and the
# JSON fields of the meeting records (each a typed column of its entity)
FIELDS = {
    **{
        (f.source, f.entity): list(f.columns)
        for f in [*FILE_FEEDS, roster.members("key").feed, roster.BRANCHES.feed]
    },
    **{(f.source, f.entity): [c.name for c in ENTITIES[(f.source, f.entity)]] for f in meeting.FEEDS},
}


def test_every_field_of_every_entity_has_a_case():
    assert set(ENTITY_CASES) == set(FIELDS)
    for key, (_, _, _, _, cases) in ENTITY_CASES.items():
        assert set(FIELDS[key]) <= {field for field, _, _ in cases}, key


@pytest.mark.parametrize("source, entity", list(ENTITY_CASES), ids=lambda v: str(v))
def test_one_wrong_value_in_each_field_is_quarantined_with_its_reason(settings, source, entity):
    relative, form, valid, key, cases = ENTITY_CASES[(source, entity)]
    header = list(valid) if form == CSV else None
    records = wrong_values.records(valid, key, cases)
    if header is None:
        write_lines(settings, relative, [json.dumps(r, ensure_ascii=False) for r in records])
        first_line = 1
    else:
        write_csv(settings, relative, [header, *[[r[c] for c in header] for r in records]])
        first_line = 2
    if (source, entity) == ("roster", "branch"):  # a branch snapshot goes with a member snapshot
        write_csv(settings, "roster/roster_2026-03-01.csv", [ROSTER_HEADER.split(",")])
    ingest_source(settings, source)

    reasons = {
        q["source_position"]: q["reason"]
        for q in quarantine(settings, source)
        if q["entity"] == entity and q["source_file"] == relative.split("/", 1)[1]
    }
    expected = {first_line + i: reason for i, (_, _, reason) in enumerate(cases, 1) if reason}
    wrong = {
        f"{cases[line - first_line - 1][0]}={cases[line - first_line - 1][1]!r}": (reasons.get(line), want)
        for line, want in expected.items()
        if reasons.get(line) != want
    }
    accepted_wrongly = {line: reason for line, reason in reasons.items() if line not in expected}
    assert not wrong, f"(got, wanted) per case: {wrong}"
    assert not accepted_wrongly, f"valid records quarantined: {accepted_wrongly}"

    declared = entity_schema(source, entity)
    folder = settings.home / "events" / source / entity
    stored = [p for p in folder.glob("*.parquet") if p.name != "_empty.parquet"]
    assert stored, "the valid record was not stored"
    for path in stored:
        schema = pq.read_schema(path)
        assert {f.name: f.type for f in schema} == {f.name: f.type for f in declared}, path.name
