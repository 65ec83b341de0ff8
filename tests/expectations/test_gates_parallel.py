"""Parallel tasks share one home's GX file context: validations from several processes at once
must all give their own right answer (without the lock the context's files get corrupted)."""

from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from expectations.gates import validate_frame


def validate_one(home: Path, i: int) -> bool:
    frame = pd.DataFrame({"employee_no": [f"E{i}"], "kpi_missing": [i % 2 == 0]})
    result = validate_frame(home, "hr_export_kpi_coverage", frame, {"min_kpi_coverage": 0.9}, f"run{i}")
    return result.passed == (i % 2 == 1)


def test_validations_from_three_processes_at_once(tmp_path):
    with ProcessPoolExecutor(3) as pool:
        assert all(pool.map(partial(validate_one, tmp_path), range(6)))
