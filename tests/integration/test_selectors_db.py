"""Target selectors against a real database: the SQL filter and the stored columns."""

from __future__ import annotations

from itertools import product

import pytest
from sqlalchemy import select

from surveys.errors import DomainError
from surveys.models import RaterGroup, Target, TargetKind
from surveys.selectors import TargetSelector, count_targets, require_targets, select_targets
from surveys.services import campaigns, organisation
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}


@pytest.fixture
def matrix(session):
    """A campaign with a window, a person and a unit target in each of two units and two
    categories (12 targets), and a second campaign whose one target must never show up."""
    campaign = campaigns.save_campaign(session, "千人评议", 2026, "", **KW)
    other = campaigns.save_campaign(session, "另一活动", 2026, "", **KW)
    units = [organisation.save_unit(session, name, None, **KW) for name in ("县税务局", "县医院")]
    for number, (kind, category, unit) in enumerate(product(TargetKind, ("综合管理", "社会服务"), units), start=1):
        organisation.save_target(
            session,
            campaign.id,
            {
                "code": f"T{number:02}",
                "name": f"对象{number}",
                "kind": kind.value,
                "category": category,
                "unit_id": unit.id,
            },
            **KW,
        )
    organisation.save_target(
        session,
        other.id,
        {"code": "X01", "name": "别处", "kind": "window", "category": "社会服务", "unit_id": units[0].id},
        **KW,
    )
    session.commit()
    return campaign, units


def every_selector(campaign, units):
    kinds = [None, *TargetKind]
    categories = [None, *(c.id for c in campaign.categories)]
    return [TargetSelector(k, c, u) for k, c, u in product(kinds, categories, [None, *(u.id for u in units)])]


def test_the_sql_filter_selects_exactly_the_targets_the_rule_matches(session, matrix):
    campaign, units = matrix
    everything = list(session.scalars(select(Target).where(Target.campaign_id == campaign.id)))
    for selector in every_selector(campaign, units):
        by_sql = [t.code for t in session.scalars(select_targets(campaign.id, selector))]
        assert by_sql == sorted(t.code for t in everything if selector.matches(t)), selector
        assert count_targets(session, campaign.id, selector) == len(by_sql)
    assert count_targets(session, campaign.id, TargetSelector()) == 12


def test_a_selector_matching_no_target_of_the_campaign_is_refused(session, matrix):
    campaign, units = matrix
    windows_of_a_unit = TargetSelector(TargetKind.WINDOW, unit_id=units[0].id)
    assert require_targets(session, campaign.id, windows_of_a_unit) == 2
    other_campaign_category = session.scalar(select(Target).where(Target.code == "X01")).category_id
    with pytest.raises(DomainError) as refused:
        require_targets(session, campaign.id, TargetSelector(category_id=other_campaign_category))
    assert "不包含本活动的任何评议对象" in refused.value.message


def test_a_rater_group_stores_its_selector_and_names_it_in_words(session, matrix, make_campaign):
    campaign, units = matrix
    round_id = make_campaign("带主体的活动").rounds[0].id
    group = session.scalar(select(RaterGroup).where(RaterGroup.round_id == round_id).limit(1))
    assert group.selector == TargetSelector() and group.selector_description == ["全部对象"]
    social = next(c for c in campaign.categories if c.name == "社会服务")
    group.selector = TargetSelector(TargetKind.WINDOW, social.id, units[0].id)
    session.commit()
    session.expire_all()
    stored = session.get(RaterGroup, group.id)
    assert stored.selector == TargetSelector(TargetKind.WINDOW, social.id, units[0].id)
    assert stored.selector_description == ["窗口", "社会服务", "县税务局"]
