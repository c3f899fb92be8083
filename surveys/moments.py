"""Moments are stored as naive UTC; people read them on the wall clock of the deployment's
time zone (``TIMEZONE``, Asia/Shanghai by default), the calendar deadlines are kept in."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

MINUTES = "%Y-%m-%d %H:%M"


def local(moment: datetime, zone: str) -> datetime:
    """A stored naive-UTC ``moment`` as the time on the clocks of ``zone``."""
    return moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))


def local_text(moment: datetime | None, zone: str, fmt: str = MINUTES) -> str:
    """``moment`` on the clocks of ``zone`` as text; empty for no moment."""
    return local(moment, zone).strftime(fmt) if moment is not None else ""
