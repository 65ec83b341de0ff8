"""Source gates on a real ingest of a small demo landing: clean passes; a thin feed, a flood of
bad rows, and an event outside the contract each fail with their rule named."""

import shutil

import pytest

from expectations.sources import validate_source
from ingest.run import ingest_source
from pioneer.config import Settings
from pioneer.demo import generate

FIRST_NIGHT = "2026-11-05T01:30:00+08:00"
SECOND_NIGHT = "2026-11-06T01:30:00+08:00"


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    out = tmp_path_factory.mktemp("landing")
    shutil.rmtree(out)
    generate(out, members=40, months=2, end="2026-11", seed=5)
    return out


def settings(landing, home, now):
    return Settings(sources=landing, home=home, now=now)


def failures(results) -> set[str]:
    return {f.rule or f.expectation for r in results for f in r.failures}


def test_a_clean_first_night_passes_every_source(landing, tmp_path):
    for source in ("roster", "meeting", "learning", "performance", "admin"):
        ingest_source(settings(landing, tmp_path, FIRST_NIGHT), source)
        results = validate_source(settings(landing, tmp_path, FIRST_NIGHT), source, "t")
        assert all(r.passed for r in results), (source, failures(results))


def test_a_feed_delivering_a_tenth_of_its_rows_fails(landing, tmp_path):
    night = settings(landing, tmp_path, FIRST_NIGHT)
    ingest_source(night, "learning")
    newest = sorted((landing / "learning").glob("points_*.csv"))[-2]
    lines = newest.read_text(encoding="utf-8-sig", errors="replace").splitlines(keepends=True)
    thin = landing.parent / "thin"
    shutil.copytree(landing, thin)
    (thin / "learning" / "points_2026-11-09.csv").write_text(
        "".join(lines[: 1 + len(lines) // 10]), encoding="utf-8"
    )
    later = settings(thin, tmp_path, SECOND_NIGHT)
    ingest_source(later, "learning")
    assert "a feed delivers at least min_volume_ratio of its recent rows per file" in failures(
        validate_source(later, "learning", "t")
    )


def test_a_run_quarantining_too_many_rows_fails(landing, tmp_path):
    bad = landing.parent / "bad"
    shutil.copytree(landing, bad)
    rows = "".join(f"SG{i:07d},202610,abc,A,2026-11-02T10:00:00+08:00\n" for i in range(20))
    (bad / "performance" / "kpi_202610_late.csv").write_text(
        "employee_no,period,kpi_score,rating,updated_at\n" + rows
    )
    night = settings(bad, tmp_path, FIRST_NIGHT)
    ingest_source(night, "performance")
    assert "quarantined rows stay under max_quarantine_rate" in failures(
        validate_source(night, "performance", "t")
    )


def test_an_event_outside_the_contract_is_named(landing, tmp_path, monkeypatch):
    import ingest.schema as schema

    night = settings(landing, tmp_path, FIRST_NIGHT)
    ingest_source(night, "meeting")
    narrowed = dict(schema.ENUMS) | {
        ("meeting", "attendance", "mode"): ("onsite",)
    }  # as if 'online' were new
    monkeypatch.setattr("expectations.sources.ENUMS", narrowed)
    assert "mode in the enumeration of sources.md" in failures(validate_source(night, "meeting", "t"))
