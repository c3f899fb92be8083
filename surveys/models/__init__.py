"""SQLAlchemy models, one module per aggregate; import from here."""

from surveys.db import Base
from surveys.models.audit import AuditChainHead, AuditEntry, AuditLogIsAppendOnly
from surveys.models.ballots import Ballot, Comment, Rating
from surveys.models.campaign import Campaign, Category, Component, ComponentKind
from surveys.models.codes import BatchScope, Code, CodeBatch, CodeStatus, Terminal
from surveys.models.job import Job, JobKind, JobState
from surveys.models.organisation import Target, TargetKind, Unit
from surveys.models.problems import (
    Attachment,
    Honour,
    Problem,
    ProblemSource,
    ProblemState,
    ProblemStep,
    StepKind,
    Verdict,
)
from surveys.models.questionnaire import Item, Level, Questionnaire
from surveys.models.round import Aggregation, RaterGroup, Round, RoundKind, RoundStatus
from surveys.models.scoring import (
    HonourList,
    ImportedScore,
    PublicPage,
    RankScope,
    RunState,
    ScoringRules,
    ScoringRun,
    Veto,
)
from surveys.models.user import AuthSource, Role, User

__all__ = [
    "HonourList",
    "Attachment",
    "Honour",
    "Problem",
    "ProblemSource",
    "ProblemState",
    "ProblemStep",
    "StepKind",
    "Verdict",
    "Aggregation",
    "AuditChainHead",
    "AuthSource",
    "AuditEntry",
    "AuditLogIsAppendOnly",
    "Ballot",
    "Base",
    "BatchScope",
    "Campaign",
    "Category",
    "Code",
    "CodeBatch",
    "CodeStatus",
    "Comment",
    "Component",
    "ComponentKind",
    "ImportedScore",
    "Job",
    "JobKind",
    "JobState",
    "Item",
    "Level",
    "PublicPage",
    "Questionnaire",
    "RankScope",
    "RaterGroup",
    "Rating",
    "Role",
    "Round",
    "RunState",
    "RoundKind",
    "RoundStatus",
    "ScoringRules",
    "ScoringRun",
    "Target",
    "TargetKind",
    "Terminal",
    "Unit",
    "User",
    "Veto",
]
