"""``pioneer migrate`` on a home the previous version wrote (event-store format 1, sha256 event ids):
the pipeline refuses the home until it is migrated; migrate gives every event the id today's ingest
gives it, survives a crash at any point (run again, it finishes), changes nothing the second time,
and the migrated home's next build makes the marts that version built.

The home is a committed fixture (tests/fixtures/home-format1, its README says how it was made),
not one made from git history at test time: a clean clone has it, with no older checkout to
install and run."""

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from pioneer_cli import pioneer, run_night

from core.config import Settings
from ingest.errors import StoreFormatError
from ingest.run import ingest_all
from ingest.schema import ENTITIES, STORE_FORMAT
from ingest.store import EventStore, store_format

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "home-format1"
CLOCK = "2025-06-15T03:00:00+08:00"  # the fixture's run


@pytest.fixture
def old_home(tmp_path) -> Path:
    home = tmp_path / "home"
    shutil.copytree(FIXTURE / "home", home)
    return home


def ids(home: Path) -> dict[tuple[str, str], list[tuple]]:
    """Per entity, every event's id with what identifies its row (file, position, natural key)."""
    with duckdb.connect() as con:
        return {
            (s, e): con.execute(
                f"select event_id, source_file, source_position, natural_key "
                f"from read_parquet('{home}/events/{s}/{e}/*.parquet') order by all"
            ).fetchall()
            for s, e in ENTITIES
        }


def test_the_pipeline_refuses_an_older_home_naming_migrate(old_home):
    assert store_format(old_home) == 1
    with pytest.raises(StoreFormatError, match="pioneer migrate"):
        EventStore(old_home)
    refused = pioneer("run", "--sources", str(FIXTURE / "landing"), "--home", str(old_home), "--now", CLOCK)
    assert refused.returncode == 2
    assert f"pioneer migrate --home {old_home}" in refused.stderr
    doctor = pioneer("doctor", "--home", str(old_home))
    assert doctor.returncode == 3 and "pioneer migrate" in doctor.stdout


def test_migrated_ids_are_those_ingest_gives_today(old_home, tmp_path):
    before = ids(old_home)
    done = pioneer("migrate", "--home", str(old_home))
    assert done.returncode == 0, done.stderr
    assert store_format(old_home) == STORE_FORMAT
    after = ids(old_home)
    fresh = tmp_path / "fresh"
    ingest_all(Settings(home=fresh, sources=FIXTURE / "landing", now=dt.datetime.fromisoformat(CLOCK)))
    assert store_format(fresh) == STORE_FORMAT
    for entity, rows in after.items():
        assert sorted(r[1:] for r in rows) == sorted(r[1:] for r in before[entity]), entity  # new ids only
        assert all(len(r[0]) == 32 for r in rows) and len({r[0] for r in rows}) == len(rows), entity
        assert {r[0] for r in rows} == {r[0] for r in ids(fresh)[entity]}, entity
    assert sum(map(len, after.values())) > 1000


@pytest.mark.parametrize("point", ["migrate:written", "migrate:swapped"])
def test_a_crashed_migrate_is_finished_by_the_next_and_a_third_changes_nothing(old_home, tmp_path, point):
    clean = tmp_path / "clean"
    shutil.copytree(old_home, clean)
    assert pioneer("migrate", "--home", str(clean)).returncode == 0

    crashed = pioneer("migrate", "--home", str(old_home), PIONEER_KILL_AT=point)
    assert crashed.returncode != 0
    with pytest.raises(StoreFormatError):  # a half-migrated store is never read
        EventStore(old_home)
    again = pioneer("migrate", "--home", str(old_home))
    assert again.returncode == 0, again.stderr
    assert ids(old_home) == ids(clean)
    assert not list(old_home.rglob("*.migrated")) and not list(old_home.rglob("*.tmp"))

    third = pioneer("migrate", "--home", str(old_home))
    assert third.returncode == 0 and "nothing to migrate" in third.stdout
    assert ids(old_home) == ids(clean)


def test_the_next_build_of_a_migrated_home_makes_the_marts_of_before(old_home):
    assert pioneer("migrate", "--home", str(old_home)).returncode == 0
    run_night(FIXTURE / "landing", old_home, CLOCK)  # loads nothing new: every file is in the ledger
    with duckdb.connect(str(old_home / "warehouse.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by all"
        ).fetchall()
        marts = {}
        for (table,) in tables:  # as scripts/home_fingerprint.py hashes them
            rows = con.execute(f'select * from marts."{table}" order by all').fetchall()
            columns = [d[0] for d in con.description]
            marts[f"marts.{table}"] = (
                f"{len(rows)} rows {hashlib.sha256(repr((columns, rows)).encode()).hexdigest()}"
            )
    assert marts == json.loads((FIXTURE / "marts.json").read_text())
