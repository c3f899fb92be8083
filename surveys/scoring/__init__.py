"""Scoring (DESIGN.md section 6): ballots → group scores → round scores → totals → ranks.

Pure, no session and no clock (plain dataclasses in and out):
``config`` (what a run is configured with), ``inputs`` (the aggregates it reads),
``stats`` (means, medians, trimmed means, intervals, shrinkage), ``combine`` (ballot →
group → round → total), ``ranking`` (rounding, ranks, grades, bottom-N / top-N),
``evaluate`` (all of it in order), ``results`` (what comes out, and its JSON),
``digest`` (the input digest), ``compare`` (two runs side by side), ``tally`` (in-memory
tallies, the reference for the SQL), ``display``, ``standings``, ``reasons``, ``trend``.

With the database, in ``sql`` (they read, never write): ``round_sql`` (the one statement
per round that reads its ratings), ``queries`` (its rows turned into tallies; imported
sheets, vetoes), ``integrity`` (codes, ballots, bursts), ``ballot_export`` (the anonymous
ballot CSV's rows), ``chain`` (a campaign's predecessors, for trends).

The use cases live in ``surveys.services``: ``scoring_runs`` (score a campaign from one
snapshot, store runs), ``score_sheets`` (imported score sheets), ``vetoes`` (一票否决),
``scoring_rules`` (a campaign's ranking rules), ``ballot_export`` (which rounds may be
exported). ``tests/unit/test_scoring_layers.py`` keeps the three layers apart.

This ``__init__`` imports nothing, so that the models may use the constants in ``config``.
"""
