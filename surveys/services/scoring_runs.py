"""The scoring service: read one consistent snapshot, score it, and store runs.

``score_campaign`` is the one path the CLI, the admin pages and the reports share: it
loads the configuration, runs the aggregate queries and the integrity figures in a single
read transaction (REPEATABLE READ on PostgreSQL, so ballots arriving meanwhile cannot make
two queries disagree), and hands plain data to the pure ``evaluate.score``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from surveys.enums import RoundStatus, TargetStatus
from surveys.errors import Conflict, DomainError
from surveys.i18n import N_
from surveys.models import Campaign, Category, Round, ScoringRules, ScoringRun, Target, Unit
from surveys.scoring import evaluate
from surveys.scoring.config import (
    CampaignConfig,
    ComponentConfig,
    GroupConfig,
    ItemConfig,
    LevelConfig,
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
    """The campaign's components (in id order), their rounds as frozen, and its rules."""
    components = tuple(
        ComponentConfig(
            id=c.id,
            name=c.name,
            kind=c.kind,
            weight=float(c.weight),
            round=round_config(c.round) if c.round is not None else None,
        )
        for c in campaign.components
    )
    return CampaignConfig(campaign.name, campaign.year, components, load_rules(session, campaign.id))


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
    run = ScoringRun(
        campaign_id=result.campaign_id,
        created_at=now,
        created_by=actor_id,
        digest=result.digest,
        config=result.config,
        result=to_json(result, suppress=False),
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
