"""The one-pass round statement against the in-memory reference, on shapes the paper
campaign does not reach: answers packed into more than one word (12 items), ballots
rating several targets, ballots that answered only 不了解 for a target, low-trust ballots
and straight-lining across the targets of a ballot. Runs on SQLite, and on PostgreSQL
with EVALSITE_TEST_POSTGRES set."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select

from surveys.models import Ballot, Campaign, Rating
from surveys.scoring.config import ItemConfig, LevelConfig, RoundConfig
from surveys.scoring.sql import queries
from surveys.scoring.sql.round_sql import WORD_BITS, slots
from surveys.scoring.tally import BallotInput, tally_round
from surveys.services import campaigns, organisation, questionnaires, rounds
from surveys.services.scoring_runs import load_config, load_targets
from tests.builders import round_fields
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}
ITEMS = 12


def build_round(session, aggregation: str, seed: int):
    """A closed round of 12 items, 4 targets, 2 groups and about 120 random ballots; commits."""
    rng = random.Random(seed)  # noqa: S311 - test data, reproducible by design
    campaign = campaigns.save_campaign(session, "多题评议", 2026, "", **KW)
    unit = organisation.save_unit(session, "某局", None, **KW)
    for k in range(4):
        fields = {"code": f"T{k}", "name": f"对象{k}", "kind": "person", "category": "综合管理", "unit_id": unit.id}
        organisation.save_target(session, campaign.id, fields, **KW)
    q = questionnaires.create_questionnaire(session, campaign.id, "测评表", "five", with_unknown=True, **KW)
    items = [questionnaires.save_item(session, q.id, f"Q{i}", f"指标{i}", 1.0 + i % 4, **KW) for i in range(ITEMS)]
    round_ = rounds.save_round(session, campaign.id, round_fields("评议", q.id, aggregation), **KW)
    groups = [
        rounds.save_group(session, round_.id, {"name": name, "weight": 0.5, "min_ballots": 1}, **KW).id
        for name in ("服务对象", "机关干部")
    ]
    campaigns.save_component(
        session, campaign.id, {"name": "评议", "kind": "round", "round_id": round_.id, "weight": 1.0}, **KW
    )
    rounds.open_round(session, round_.id, **KW)
    targets = [t.id for t in campaign.targets]
    rated = [lv.id for lv in q.levels if not lv.is_excluded]
    unknown = next(lv.id for lv in q.levels if lv.is_excluded)
    for _ in range(120):
        ballot = Ballot(
            round_id=round_.id, group_id=rng.choice(groups), cast_on=date(2026, 3, 2), is_low_trust=rng.random() < 0.2
        )
        session.add(ballot)
        session.flush()
        straight = rng.random() < 0.15  # one level for every answer on the ballot
        level = rng.choice(rated + [unknown])
        for target_id in rng.sample(targets, rng.randint(1, 3)):
            only_unknown = rng.random() < 0.1
            for item in rng.sample(items, rng.randint(1, ITEMS)):
                if straight:
                    chosen = level
                elif only_unknown:
                    chosen = unknown
                else:
                    chosen = rng.choice(rated + [unknown])
                session.add(Rating(ballot_id=ballot.id, target_id=target_id, item_id=item.id, level_id=chosen))
    session.flush()
    rounds.close_round(session, round_.id, **KW)
    session.commit()
    return campaign.id, round_.id


@pytest.mark.parametrize(("aggregation", "seed"), [("mean", 1), ("median", 2), ("trimmed", 3)])
def test_the_one_pass_statement_equals_the_reference_on_many_items_and_targets(session, aggregation, seed):
    campaign_id, round_id = build_round(session, aggregation, seed)
    session.expire_all()
    config = load_config(session, session.get(Campaign, campaign_id))
    round_ = config.rounds[0]
    assert len({s.word for s in slots(round_)[0]}) == 2  # the answers take two words
    ballots = session.scalars(select(Ballot).where(Ballot.round_id == round_id)).all()
    answers = {b.id: tuple((r.target_id, r.item_id, r.level_id) for r in b.ratings) for b in ballots}
    reference = tally_round(round_, [BallotInput(b.id, b.group_id, answers[b.id], b.is_low_trust) for b in ballots])
    readings = queries.read_inputs(session, campaign_id, config, load_targets(session, campaign_id))
    got = readings.inputs

    assert got.groups.keys() == reference.groups.keys()
    for key, tally in reference.groups.items():
        mine = got.groups[key]
        assert (mine.n, mine.positive, mine.valid, mine.low_trust) == (
            tally.n,
            tally.positive,
            tally.valid,
            tally.low_trust,
        )
        assert mine.mean == pytest.approx(tally.mean, abs=1e-9)
        assert mine.squared_deviations == pytest.approx(tally.squared_deviations, abs=1e-6)
        if aggregation != "mean":
            assert mine.scores == pytest.approx(tally.scores, abs=1e-9)
    assert any(t.low_trust for t in got.groups.values())
    assert got.levels == reference.levels
    assert {k: (v.n, v.positive) for k, v in got.items.items()} == {
        k: (v.n, v.positive) for k, v in reference.items.items()
    }
    assert all(got.items[k].mean == pytest.approx(v.mean, abs=1e-9) for k, v in reference.items.items())

    straight = defaultdict(int)
    for b in ballots:
        if len(b.ratings) >= 2 and len({r.level_id for r in b.ratings}) == 1:
            straight[b.group_id] += 1
    assert straight and readings.straight_lined[round_id] == dict(straight)


@pytest.mark.parametrize(("levels", "items"), [(2, 1), (6, 10), (6, 11), (7, 25), (16, 40)])
def test_answer_slots_never_overlap_and_fit_a_32_bit_word(levels, items):
    round_ = RoundConfig(
        id=1,
        name="r",
        status="closed",
        aggregation="mean",
        trim_k=1,
        is_strict=False,
        levels=tuple(LevelConfig(100 + p, p, str(p), float(p), False, False) for p in range(levels)),
        items=tuple(ItemConfig(i, f"Q{i}", "", 1.0) for i in range(items)),
        groups=(),
    )
    pairs, bits = slots(round_)
    assert len(pairs) == levels * items
    assert (1 << bits) > levels  # every code (position + 1) fits its slot, 0 stays "unanswered"
    places = {(s.item_id, s.word, s.shift) for s in pairs}
    assert len({(w, shift) for _item, w, shift in places}) == items  # one slot per item
    assert all(s.shift + bits <= WORD_BITS for s in pairs)
