"""What organisers feed the scoring: score sheets, vetoes, rules; and the integrity figures."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from surveys.errors import DomainError, ImportRejected, NotFound
from surveys.models import AuditEntry, Ballot, ImportedScore, Rating, ScoringRules, Veto
from surveys.scoring.config import Rules
from surveys.services import campaigns, issuing, rounds
from surveys.services.casting import cast_ballot
from surveys.services.score_sheets import import_score_sheet
from surveys.services.scoring_rules import save_rules
from surveys.services.scoring_runs import load_rules, score_campaign
from surveys.services.vetoes import record_veto, revoke_veto
from tests.conftest import NOW

KW = {"now": NOW, "actor_id": None}
KEYS = issuing.CodeKeys(b"derive-key-for-tests", b"lookup-key-for-tests")


def sheet_component(session, campaign):
    return campaigns.save_component(session, campaign.id, {"name": "业务考核", "kind": "imported", "weight": 0.3}, **KW)


def scores(session, component_id) -> dict[str, tuple[float, float]]:
    rows = session.scalars(select(ImportedScore).where(ImportedScore.component_id == component_id))
    return {row.target.code: (row.score, row.max_score) for row in rows}


def test_a_score_sheet_replaces_the_components_scores_and_is_audited(session, make_campaign):
    campaign = make_campaign()
    component = sheet_component(session, campaign)
    import_score_sheet(session, component.id, "第一版.csv", "编号,得分\nA01,80\nA02,70\n".encode(), **KW)

    data = "编号,姓名,得分,满分\nA01,张三,45,50\nB01,王五,30.5,50\n".encode("gb18030")  # Excel's encoding
    result = import_score_sheet(session, component.id, "业务考核.csv", data, **KW)

    assert (result.scores, result.replaced) == (2, 2)
    assert scores(session, component.id) == {"A01": (45.0, 50.0), "B01": (30.5, 50.0)}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "scores.import")).all()[-1]
    assert entry.detail == {"rows": 2, "replaced": 2, "missing": ["A02"]}


def test_a_sheet_with_bad_rows_is_refused_whole_and_every_bad_row_listed(session, make_campaign):
    campaign = make_campaign()
    component = sheet_component(session, campaign)
    lines = ["编号,姓名,得分,满分", "A01,张三,45,50", "Z99,,10,50", "A02,李四,60,50", "A01,张三,1,50"]
    data = "\n".join([*lines, "B01,李四,abc,50", "A02,王五,1,50", ""])

    with pytest.raises(ImportRejected) as refused:
        import_score_sheet(session, component.id, "业务考核.csv", data.encode(), **KW)

    assert [(p.line, p.reason) for p in refused.value.problems] == [
        (3, "编号 %(code)s 不是本活动的评议对象"),
        (4, "得分 %(value)s 不在 0 到满分 %(max)s 之间"),
        (5, "编号 %(code)s 与第 %(other)d 行重复"),
        (6, "编号 %(code)s 对应的是“%(name)s”，不是“%(given)s”"),
        (6, "得分“%(value)s”不是数字"),
        (7, "编号 %(code)s 与第 %(other)d 行重复"),
    ]
    assert refused.value.problems[-1].params == {"code": "A02", "other": 4}
    assert scores(session, component.id) == {}


def test_a_sheet_can_be_xlsx_and_only_imported_components_take_one(session, make_campaign):
    campaign = make_campaign()
    component = sheet_component(session, campaign)
    book = Workbook()
    book.active.append(["编号", "得分"])
    book.active.append(["A01", 88])
    buffer = io.BytesIO()
    book.save(buffer)

    import_score_sheet(session, component.id, "业务考核.xlsx", buffer.getvalue(), **KW)
    assert scores(session, component.id) == {"A01": (88.0, 100.0)}
    with pytest.raises(DomainError):
        import_score_sheet(session, campaign.components[0].id, "x.csv", b"code,score\nA01,1\n", **KW)


def test_a_veto_is_recorded_with_its_reason_audited_and_can_be_revoked(session, make_campaign):
    campaign = make_campaign()
    target = campaign.targets[0]
    veto = record_veto(session, campaign.id, target.id, "  发生重大责任事故 ", **KW)
    assert (veto.reason, veto.recorded_at) == ("发生重大责任事故", NOW)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "veto.record")).one()
    assert entry.detail == {"target": "A01", "reason": "发生重大责任事故"}

    revoke_veto(session, veto.id, **KW)
    assert session.scalars(select(Veto)).all() == []
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "veto.revoke")).one().detail["reason"]


def test_a_veto_needs_a_reason_and_a_target_of_the_campaign(session, make_campaign):
    campaign, other = make_campaign(), make_campaign("另一活动")
    with pytest.raises(DomainError):
        record_veto(session, campaign.id, campaign.targets[0].id, "  ", **KW)
    with pytest.raises(DomainError):
        record_veto(session, campaign.id, other.targets[0].id, "理由", **KW)
    with pytest.raises(NotFound):
        revoke_veto(session, 12345, **KW)


def test_rules_default_until_saved_and_are_checked(session, make_campaign):
    campaign = make_campaign()
    assert load_rules(session, campaign.id) == Rules()

    save_rules(session, campaign.id, {"bottom_n": 5, "rank_scope": "category", "bottom_threshold": "60"}, **KW)
    rules = load_rules(session, campaign.id)
    assert (rules.bottom_n, rules.rank_scope, rules.bottom_threshold, rules.top_n) == (5, "category", 60.0, 10)

    bad = [
        {"suppress_below": 2},
        {"grade_bands": [[60, "合格"], [85, "优秀"], [0, "不合格"]]},
        {"grade_bands": [[85, "优秀"], [60, "合格"]]},
        {"grade_bands": [[85, "优秀"], [60, "优秀"], [0, "差"]]},
        {"top_min_grade": "卓越"},
        {"top_n": -1},
        {"top_n": "2.5"},
        {"shrinkage_m": 0},
    ]
    for fields in bad:
        with pytest.raises(DomainError):
            save_rules(session, campaign.id, fields, **KW)
    assert session.scalars(select(ScoringRules)).one().bottom_n == 5
    actions = [e.action for e in session.scalars(select(AuditEntry).where(AuditEntry.object_type == "scoring_rules"))]
    assert actions == ["scoring_rules.create"]


def test_integrity_figures_count_codes_ballots_straight_lining_and_bursts(session, make_campaign):
    """服务对象: a batch of 5 codes, 3 used (2 of them straight-lined), then voided → 2 void.
    机关干部: a batch of 2, 1 used, plus one ballot inserted without a code → alarm.
    With bursts above 2 a day, the first batch's 3 uses on one day are a burst."""
    campaign = make_campaign()
    round_ = campaign.rounds[0]
    public, internal = round_.groups
    save_rules(session, campaign.id, {"burst_per_day": 2}, **KW)
    rounds.open_round(session, round_.id, **KW)
    batch, codes = issuing.issue_batch(session, round_.id, public.id, 5, KEYS, **KW)
    _batch2, codes2 = issuing.issue_batch(session, round_.id, internal.id, 2, KEYS, **KW)
    session.commit()
    q = round_.questionnaire
    satisfied = next(lv.id for lv in q.levels if lv.label == "满意")
    poor = next(lv.id for lv in q.levels if lv.label == "不满意")
    same = {t.id: {i.id: satisfied for i in q.items} for t in campaign.targets}
    mixed = {t.id: {q.items[0].id: satisfied, q.items[1].id: poor} for t in campaign.targets}
    for code, answers in [(codes[0], same), (codes[1], same), (codes[2], mixed), (codes2[0], mixed)]:
        cast_ballot(session, code, answers, {}, KEYS, now=NOW)
        session.commit()
    issuing.void_batch(session, batch.id, **KW)
    stray = Ballot(round_id=round_.id, group_id=internal.id, cast_on=date(2026, 3, 1))
    session.add(stray)
    session.flush()
    session.add(Rating(ballot_id=stray.id, target_id=campaign.targets[0].id, item_id=q.items[0].id, level_id=poor))
    rounds.close_round(session, round_.id, **KW)
    session.commit()

    (figures,) = score_campaign(session, campaign.id).integrity
    session.rollback()

    assert figures["groups"] == [
        {"group": "服务对象", "codes_issued": 5, "codes_used": 3, "codes_void": 2, "ballots": 3,
         "low_trust_ballots": 0, "straight_lined": 2, "is_mismatch": False},
        {"group": "机关干部", "codes_issued": 2, "codes_used": 1, "codes_void": 0, "ballots": 2,
         "low_trust_ballots": 0, "straight_lined": 0, "is_mismatch": True},
    ]  # fmt: skip
    assert figures["alarms"] == [
        {"code": "ballots_differ_from_used_codes", "group": "机关干部", "ballots": 2, "codes_used": 1}
    ]
    assert [(b["group"], b["issued"], b["used"], b["void"], b["unused"], b["is_void"]) for b in figures["batches"]] == [
        ("服务对象", 5, 3, 2, 0, True),
        ("机关干部", 2, 1, 0, 1, False),
    ]
    assert figures["bursts"] == [{"batch": batch.id, "day": "2026-03-01", "used": 3}]
