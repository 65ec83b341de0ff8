"""Month arithmetic on ``YYYY-MM`` periods, the unit everything is scored, exported and alerted by."""

from __future__ import annotations

import datetime as dt
import re

PERIOD = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def is_period(value: str) -> bool:
    """``YYYY-MM`` with a month 01..12."""
    return PERIOD.fullmatch(value) is not None


def month_start(period: str) -> dt.date:
    year, month = map(int, period.split("-"))
    return dt.date(year, month, 1)


def add_months(period: str, n: int) -> str:
    start = month_start(period)
    index = start.year * 12 + start.month - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_bounds(period: str) -> tuple[str, str]:
    """The first day of ``period`` and of the month after it, as ISO dates (a half-open range)."""
    return f"{period}-01", f"{add_months(period, 1)}-01"
