"""Byte counts as people read them, for the limits the pages state."""

from __future__ import annotations

import math


def size_text(size: int) -> str:
    """``size`` bytes in MB or KB (of 1024) to one decimal, rounded down so that a stated limit
    never promises more than is accepted: "10 MB", "4.7 MB", "4 KB"."""
    for unit, scale in (("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{math.floor(size * 10 / scale) / 10:g} {unit}"
    return f"{size} B"
