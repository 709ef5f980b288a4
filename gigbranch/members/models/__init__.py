"""Gig workers and Party members (DESIGN §1 People; rules.md ID, MOB, DUES)."""

from .consent import ConsentPurpose, ConsentRecord
from .dues import DuesAssessment, DuesPayment, DuesQuerySet, DuesRule, IncomeRecord, PaymentChannel
from .honours import HonourLevel, ModelPost, VanguardTeam, VanguardTeamQuerySet
from .people import (
    MemberKind,
    MemberStatus,
    Occupation,
    PartyMember,
    PartyMemberQuerySet,
    PoliticalStatus,
    Sex,
    Worker,
    WorkerQuerySet,
    WorkerStatus,
)
from .points import PointEntry, PointEntryQuerySet, PointEventKind, PointPeriod, PointRule
from .roster import ImportStatus, Platform, RosterImport, RosterImportQuerySet, WorkerChange
from .transfers import (
    MemberEvent,
    Transfer,
    TransferDirection,
    TransferEvent,
    TransferQuerySet,
    TransferStatus,
)

__all__ = [
    "ConsentPurpose",
    "ConsentRecord",
    "DuesAssessment",
    "DuesPayment",
    "DuesQuerySet",
    "DuesRule",
    "HonourLevel",
    "ImportStatus",
    "IncomeRecord",
    "MemberEvent",
    "MemberKind",
    "MemberStatus",
    "ModelPost",
    "Occupation",
    "PartyMember",
    "PartyMemberQuerySet",
    "PaymentChannel",
    "Platform",
    "PointEntry",
    "PointEntryQuerySet",
    "PointEventKind",
    "PointPeriod",
    "PointRule",
    "PoliticalStatus",
    "RosterImport",
    "RosterImportQuerySet",
    "Sex",
    "Transfer",
    "TransferDirection",
    "TransferEvent",
    "TransferQuerySet",
    "TransferStatus",
    "VanguardTeam",
    "VanguardTeamQuerySet",
    "Worker",
    "WorkerChange",
    "WorkerQuerySet",
    "WorkerStatus",
]
