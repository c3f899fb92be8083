"""The scoring service: read one consistent snapshot, score it, and store runs.

``score_campaign`` is the one path the CLI, the admin pages and the reports share: it
loads the configuration, runs the aggregate queries and the integrity figures in a single
read transaction (REPEATABLE READ on PostgreSQL, so ballots arriving meanwhile cannot make
two queries disagree), and hands plain data to the pure ``evaluate.score``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from surveys.enums import RoundStatus, TargetStatus
from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import Campaign, Category, HonourList, Round, ScoringRules, ScoringRun, Target, Unit
from surveys.scoring import evaluate
from surveys.scoring.config import (
    CampaignConfig,
    ComponentConfig,
    GroupConfig,
    ItemConfig,
    LevelConfig,
    ListConfig,
    RoundConfig,
    Rules,
    TargetInfo,
)
from surveys.scoring.results import ScoreResult, to_json
from surveys.scoring.sql import queries
from surveys.scoring.sql.integrity import round_integrity
from surveys.services import audit
from surveys.services.lookup import get
from surveys.services.rounds import snapshot


def score_campaign(session: Session, campaign_id: int, *, allow_open: bool = False) -> ScoreResult:
    """Score a campaign from one snapshot of the database; writes nothing.

    Pass a session with no transaction begun: on PostgreSQL the run starts its own at
    REPEATABLE READ. A component round still open is refused (no live per-target results,
    DESIGN.md section 5) unless ``allow_open``, which marks the result provisional.
    Raises Conflict if a round's tables no longer match the configuration frozen when it
    opened, and DomainError if the campaign has no components.
    """
    _begin_snapshot(session)
    campaign = get(session, Campaign, campaign_id)
    config = load_config(session, campaign)
    if not config.components:
        raise DomainError(N_("评议活动还没有评分组成"))
    still_open = [r.name for r in config.rounds if r.status is RoundStatus.OPEN]
    if still_open and not allow_open:
        raise Conflict(N_("轮次“%(name)s”仍在进行中，结束后才能计分"), name=still_open[0])
    targets = load_targets(session, campaign.id)
    readings = queries.read_inputs(session, campaign.id, config, targets)
    integrity = [
        round_integrity(
            session, r, burst_per_day=config.rules.burst_per_day, straight_lined=readings.straight_lined[r.id]
        )
        for r in config.rounds
    ]
    return replace(evaluate.score(config, readings.inputs, integrity=integrity), campaign_id=campaign.id)


def _begin_snapshot(session: Session) -> None:
    """Make every read of the run see the same committed state.

    SQLite (WAL) gives a read transaction one snapshot from its first read. PostgreSQL
    needs REPEATABLE READ for that, and the level can only be chosen before the
    transaction's first statement; JIT compilation is switched off for the transaction.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    else:
        level = session.execute(text("SHOW transaction_isolation")).scalar_one()
        if level not in ("repeatable read", "serializable"):
            raise RuntimeError(
                "score_campaign needs a session without a transaction begun (it reads at REPEATABLE READ)"
            )
    # The per-round statement has some 60 conditional counts: JIT-compiling them takes
    # seconds (measured 6.7 s of 11 s at 200,000 ballots) and gains less than it costs.
    session.execute(text("SET LOCAL jit = off"))


def load_rules(session: Session, campaign_id: int) -> Rules:
    """The campaign's rules, or the defaults when none were saved."""
    row = session.scalar(select(ScoringRules).where(ScoringRules.campaign_id == campaign_id))
    if row is None:
        return Rules()
    return Rules(
        top_n=int(row.top_n),
        bottom_n=int(row.bottom_n),
        rank_scope=row.rank_scope,
        bottom_threshold=_float(row.bottom_threshold),
        top_min_ballots=int(row.top_min_ballots),
        top_min_grade=row.top_min_grade,
        grade_bands=tuple((float(bound), str(label)) for bound, label in row.grade_bands),
        shrinkage_m=_float(row.shrinkage_m),
        suppress_below=int(row.suppress_below),
        burst_per_day=int(row.burst_per_day),
    )


def load_config(session: Session, campaign: Campaign) -> CampaignConfig:
    """The campaign's components (in id order), their rounds as frozen, its rules and lists.

    Selectors are resolved here, to the codes of the targets they match, so the scoring
    itself stays pure. A component whose selector matches no target is refused.
    """
    components = []
    for c in campaign.components:
        applies_to = _resolved(session, campaign.id, c)
        if applies_to is not None and not applies_to:
            raise DomainError(N_("评分组成“%(name)s”的适用范围不包含任何评议对象"), name=c.name)
        components.append(
            ComponentConfig(
                id=c.id,
                name=c.name,
                kind=c.kind,
                weight=float(c.weight),
                round=round_config(c.round) if c.round is not None else None,
                applies_to=applies_to,
                selector=selector_record(c),
            )
        )
    rules = load_rules(session, campaign.id)
    return CampaignConfig(campaign.name, campaign.year, tuple(components), rules, load_lists(session, campaign.id))


def load_lists(session: Session, campaign_id: int) -> tuple[ListConfig, ...]:
    """The campaign's honour lists in their order, each with its members resolved to codes."""
    stmt = select(HonourList).where(HonourList.campaign_id == campaign_id)
    return tuple(
        ListConfig(
            name=lst.name,
            members=_resolved(session, campaign_id, lst),
            selector=selector_record(lst),
            top_n=int(lst.top_n),
            bottom_n=int(lst.bottom_n),
            top_scope=lst.top_scope,
            bottom_scope=lst.bottom_scope,
            bottom_threshold=_float(lst.bottom_threshold),
            top_min_ballots=int(lst.top_min_ballots),
            top_min_grade=lst.top_min_grade,
        )
        for lst in session.scalars(stmt.order_by(HonourList.position, HonourList.id))
    )


def _resolved(session: Session, campaign_id: int, row) -> frozenset[str] | None:
    """The codes of the targets a row's selector matches; None for the empty selector (all)."""
    if row.selector.is_everything:
        return None
    stmt = select(Target.code).where(Target.campaign_id == campaign_id, row.selector.clause())
    return frozenset(session.scalars(stmt))


def selector_record(row) -> dict | None:
    """A stored selector by names, as a run records it (no database ids); None: every target."""
    if row.selector.is_everything:
        return None
    return {
        "kind": row.selector_kind.value if row.selector_kind else None,
        "category": row.selector_category.name if row.selector_category_id else None,
        "unit": row.selector_unit.name if row.selector_unit_id else None,
    }


def round_config(round_: Round) -> RoundConfig:
    """A round's scale, items and groups, checked against the copy frozen when it opened.

    The services refuse to edit a questionnaire or group once its round has opened, so a
    difference means the tables were changed behind the application's back: scoring
    stops rather than rank anyone on a configuration that nobody froze.
    """
    questionnaire = round_.questionnaire
    if round_.frozen_config is not None and snapshot(round_) != round_.frozen_config:
        raise Conflict(N_("轮次“%(name)s”的测评表或评议主体与开放时冻结的配置不一致，已停止计分"), name=round_.name)
    return RoundConfig(
        id=round_.id,
        name=round_.name,
        status=round_.status,
        aggregation=round_.aggregation,
        trim_k=int(round_.trim_k),
        is_strict=round_.is_strict,
        levels=tuple(
            LevelConfig(lv.id, lv.position, lv.label, _float(lv.points), lv.is_positive, lv.is_excluded)
            for lv in (questionnaire.levels if questionnaire else ())
        ),
        items=tuple(
            ItemConfig(it.id, it.code, it.text, float(it.weight))
            for it in (questionnaire.items if questionnaire else ())
        ),
        groups=tuple(
            GroupConfig(g.id, g.name, float(g.weight), int(g.min_ballots), g.is_required, g.is_public)
            for g in round_.groups
        ),
    )


def _float(value) -> float | None:
    """Floats as floats: a value set in this session may still be the int it was given as,
    and 100 and 100.0 would make different JSON (and a different digest)."""
    return None if value is None else float(value)


def load_targets(session: Session, campaign_id: int) -> tuple[TargetInfo, ...]:
    stmt = (
        select(Target.id, Target.code, Target.name, Category.name, Unit.name)
        .join(Category, Category.id == Target.category_id)
        .join(Unit, Unit.id == Target.unit_id)
        .where(Target.campaign_id == campaign_id)
        .order_by(Target.code)
    )
    return tuple(TargetInfo(*row) for row in session.execute(stmt))


def save_run(session: Session, result: ScoreResult, *, now: datetime, actor_id: int | None) -> ScoringRun:
    """Store a run (configuration, digest and full result) and audit it; flushes.

    A provisional result (a round still open) is refused: stored runs are what gets
    frozen and published. The stored result is unsuppressed; pages suppress when showing.
    """
    if result.is_provisional:
        raise Conflict(N_("计分时仍有轮次在进行中，结果不能保存"))
    if result.campaign_id is None:
        raise ValueError("the result does not say which campaign it scored")
    # The campaign's row is locked first (PostgreSQL; SQLite writers are one at a time), so
    # two runs saved at once cannot both take the next number.
    session.scalar(select(Campaign.id).where(Campaign.id == result.campaign_id).with_for_update())
    last = session.scalar(select(func.max(ScoringRun.number)).where(ScoringRun.campaign_id == result.campaign_id))
    run = ScoringRun(
        campaign_id=result.campaign_id,
        number=(last or 0) + 1,
        created_at=now,
        created_by=actor_id,
        digest=result.digest,
        config=result.config,
        result=to_json(result),
        is_frozen=False,
    )
    session.add(run)
    counts = {s.value: sum(t.status is s for t in result.targets) for s in TargetStatus}
    audit.record(session, "scoring.run", now=now, actor_id=actor_id, obj=run, summary=result.digest, **counts)
    return run


def latest_run(session: Session, campaign_id: int) -> ScoringRun | None:
    """The newest stored run of a campaign, to compare a new run with."""
    stmt = select(ScoringRun).where(ScoringRun.campaign_id == campaign_id).order_by(ScoringRun.id.desc()).limit(1)
    return session.scalar(stmt)
