"""Shown runs kept in memory, a few per process: a stored run never changes once saved, and
decoding and suppressing a 1,000-target run costs more than rendering its ranking."""

from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app

from surveys.models import ScoringRun
from surveys.scoring.display import shown

#: Runs kept per process (a 1,000-target run takes a few tens of MB as Python objects).
MAX_RUNS = 4
_lock = threading.Lock()


def shown_run(run: ScoringRun) -> dict:
    """``display.shown(run.result)``, decoded and suppressed once per run and app process."""
    cache: OrderedDict = current_app.extensions.setdefault("evalsite.shown_runs", OrderedDict())
    key = (run.id, run.digest, run.created_at)
    with _lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    view = shown(run.result)
    with _lock:
        cache[key] = view
        while len(cache) > MAX_RUNS:
            cache.popitem(last=False)
    return view
