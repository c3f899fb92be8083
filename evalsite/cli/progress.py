"""The progress bar the long commands show (issue-codes, score, export-ballots)."""

from __future__ import annotations

import sys

import click


def progress_bar(length: int, label: str):
    """A progress bar on stderr, so that stdout keeps only the summary a script may read."""
    return click.progressbar(length=length, label=label, file=sys.stderr)
