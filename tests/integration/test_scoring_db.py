"""Scoring against a real database: the paper campaign, reproducibility, the SQL against the
in-memory reference, integrity figures and the snapshot rules. Runs on SQLite, and on
PostgreSQL with EVALSITE_TEST_POSTGRES set; the golden digests are the same on both."""

from __future__ import annotations

import hashlib
import random
from datetime import date

import pytest
from sqlalchemy import select, update

from surveys.errors import Conflict
from surveys.models import AuditEntry, Ballot, Campaign, Item, Rating, Round, ScoringRun
from surveys.scoring.digest import canonical_inputs, canonical_json, input_digest
from surveys.scoring.evaluate import score
from surveys.scoring.inputs import Inputs
from surveys.scoring.results import to_json
from surveys.scoring.sql import queries
from surveys.scoring.tally import BallotInput, tally_round
from surveys.services.scoring_runs import load_config, load_targets, save_run, score_campaign
from tests.builders import (
    GOLDEN_INPUT_DIGEST,
    PAPER_EXPECTED,
    PAPER_TARGETS,
    build_campaign,
    fresh_score,
)
from tests.conftest import NOW

#: SHA-256 of the paper campaign's whole JSON result (every figure, unsuppressed, as a run stores it), on any database.
GOLDEN_JSON_SHA256 = "09a2791a057344b211c13ece72ec0b278fb6c5e0568fd91b427d9cca91eee065"


def test_the_paper_campaign_scores_as_computed_by_hand(session):
    ids = build_campaign(session)
    result = fresh_score(session, ids["campaign"])

    got = [(t.code, t.status.value, t.total_2dp, t.grade, t.rank, t.category_rank, t.flags) for t in result.targets]
    assert got == PAPER_EXPECTED
    a1 = next(t for t in result.targets if t.code == "A1").components[0].groups[0]
    assert (a1.n, a1.positive, a1.valid, a1.trimmed) == (5, 7, 9, 1)


def test_the_database_gives_the_golden_digests_on_sqlite_and_postgresql(session):
    """The constants were computed once; any database, any id sequence, any row order must match."""
    ids = build_campaign(session)
    result = fresh_score(session, ids["campaign"])

    assert result.digest == GOLDEN_INPUT_DIGEST
    text = canonical_json(to_json(result))
    assert hashlib.sha256(text.encode()).hexdigest() == GOLDEN_JSON_SHA256


def test_the_sql_aggregates_equal_the_in_memory_reference(session):
    """Scoring the DB's rows through tally.py (pure Python) gives the very same JSON."""
    ids = build_campaign(session)
    db_result = fresh_score(session, ids["campaign"])

    session.expire_all()
    config = load_config(session, session.get(Campaign, ids["campaign"]))
    round_ = config.components[0].round
    ballots = [
        BallotInput(b.id, b.group_id, tuple((r.target_id, r.item_id, r.level_id) for r in b.ratings), b.is_low_trust)
        for b in session.scalars(select(Ballot).where(Ballot.round_id == ids["round"]))
    ]
    tallies = tally_round(round_, ballots)
    sql = queries.read_inputs(session, ids["campaign"], config, load_targets(session, ids["campaign"])).inputs
    memory = Inputs(sql.targets, tallies.groups, tallies.items, tallies.levels, sql.imported, sql.vetoes)
    pure_result = score(config, memory, integrity=db_result.integrity)

    assert to_json(pure_result) == to_json(db_result)


@pytest.mark.parametrize("aggregation", ["mean", "median", "trimmed"])
def test_the_sql_matches_the_reference_on_random_ballots(session, aggregation):
    """About 150 random ballots, 不了解 included: every count equal, every mean within 1e-9."""
    rng = random.Random(7)  # noqa: S311 - test data, reproducible by design
    letters = ["VS", "S", "B", "U", "VU", "X"]
    plan = {
        t.code: {
            g: [f"{rng.choice(letters)} {rng.choice(letters)}" for _ in range(rng.randint(0, 25))]
            for g in ("服务对象", "机关干部")
        }
        for t in PAPER_TARGETS
    }
    ids = build_campaign(session, plan, aggregation=aggregation)
    _config, expected, got = sql_and_reference(session, ids)

    assert got.groups.keys() == expected.groups.keys()
    for key, tally in expected.groups.items():
        mine = got.groups[key]
        assert (mine.n, mine.positive, mine.valid, mine.low_trust) == (tally.n, tally.positive, tally.valid, 0)
        assert mine.mean == pytest.approx(tally.mean, abs=1e-9)
        assert mine.squared_deviations == pytest.approx(tally.squared_deviations, abs=1e-6)
        if aggregation != "mean":
            assert mine.scores == pytest.approx(tally.scores, abs=1e-9)
    assert got.levels == expected.levels
    assert {k: (v.n, v.positive) for k, v in got.items.items()} == {
        k: (v.n, v.positive) for k, v in expected.items.items()
    }
    assert all(got.items[k].mean == pytest.approx(v.mean) for k, v in expected.items.items())


def test_scoring_twice_gives_the_same_digest_and_json_and_a_saved_run_keeps_them(session):
    ids = build_campaign(session)
    first = fresh_score(session, ids["campaign"])
    second = fresh_score(session, ids["campaign"])
    assert second.digest == first.digest
    assert to_json(second) == to_json(first)

    run = save_run(session, first, now=NOW, actor_id=None)
    session.commit()
    stored = session.get(ScoringRun, run.id)
    assert (stored.digest, stored.is_frozen, stored.config) == (first.digest, False, first.config)
    assert stored.result == to_json(first)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "scoring.run")).one()
    assert entry.detail == {"ranked": 4, "vetoed": 1, "insufficient": 1}


def test_a_new_ballot_changes_the_digest(session):
    ids = build_campaign(session)
    before = fresh_score(session, ids["campaign"])
    item = session.scalars(select(Item).where(Item.code == "Q1")).first()
    ballot = Ballot(round_id=ids["round"], group_id=ids["groups"]["服务对象"], cast_on=date(2026, 3, 3))
    session.add(ballot)
    session.flush()
    level_id = session.scalar(select(Rating.level_id).limit(1))
    session.add(Rating(ballot_id=ballot.id, target_id=ids["targets"]["B2"], item_id=item.id, level_id=level_id))
    after = fresh_score(session, ids["campaign"])
    assert after.digest != before.digest


def test_an_open_round_is_not_scored_unless_asked_and_then_never_saved(session):
    ids = build_campaign(session, close=False)
    with pytest.raises(Conflict) as refused:
        fresh_score(session, ids["campaign"])
    assert refused.value.params == {"name": "外部评议"}

    provisional = fresh_score(session, ids["campaign"], allow_open=True)
    assert provisional.is_provisional
    with pytest.raises(Conflict):
        save_run(session, provisional, now=NOW, actor_id=None)


def test_a_configuration_changed_behind_the_freeze_stops_scoring(session):
    ids = build_campaign(session)
    session.execute(update(Item).where(Item.code == "Q2").values(weight=5.0))
    with pytest.raises(Conflict) as refused:
        fresh_score(session, ids["campaign"])
    assert "冻结" in refused.value.message


def test_on_postgresql_the_run_reads_at_repeatable_read(session):
    ids = build_campaign(session)
    session.commit()
    score_campaign(session, ids["campaign"])
    if session.get_bind().dialect.name == "postgresql":
        assert session.connection().exec_driver_sql("SHOW transaction_isolation").scalar() == "repeatable read"
    session.rollback()
    round_ = session.get(Round, ids["round"])  # a session already reading at READ COMMITTED is refused
    if session.get_bind().dialect.name == "postgresql":
        with pytest.raises(RuntimeError):
            score_campaign(session, round_.campaign_id)


def sql_and_reference(session, ids: dict):
    """The campaign's configuration, its round tallied in memory from the stored ballots, and the SQL's inputs."""
    session.expire_all()
    config = load_config(session, session.get(Campaign, ids["campaign"]))
    ballots = [
        BallotInput(b.id, b.group_id, tuple((r.target_id, r.item_id, r.level_id) for r in b.ratings))
        for b in session.scalars(select(Ballot).where(Ballot.round_id == ids["round"]))
    ]
    tallies = tally_round(config.components[0].round, ballots)
    sql = queries.read_inputs(session, ids["campaign"], config, load_targets(session, ids["campaign"])).inputs
    return config, tallies, sql


def test_an_item_mean_with_a_half_at_the_sixth_decimal_rounds_up_in_the_digest_on_every_database(session):
    """512 answers to Q1 summing to 34,820 points: the mean 68.0078125 is a half at the rounding
    digit, and a float rounded half-even would give 68.007812. The digest rounds the exact mean
    once, half up, so the database's digest equals the in-memory reference's, on SQLite and
    PostgreSQL alike."""
    plan = {"A1": {"服务对象": ["VS S"] * 102 + ["S S"] + ["B S"] * 409}}
    ids = build_campaign(session, plan, aggregation="mean")
    config, tallies, sql = sql_and_reference(session, ids)
    memory = Inputs(sql.targets, tallies.groups, tallies.items, tallies.levels, sql.imported, sql.vetoes)

    q1 = [row for row in canonical_inputs(config, sql)["items"] if row[3] == "Q1"]
    assert q1 == [["外部评议", "A1", "服务对象", "Q1", 512, "68.007813", 103]]
    assert input_digest(config, sql) == input_digest(config, memory)
    assert fresh_score(session, ids["campaign"]).digest == input_digest(config, memory)
