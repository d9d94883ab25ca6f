"""All mapped classes, importable from one place (Alembic targets Base.metadata)."""

from surveys.db.models.accounts import (
    ACCOUNT_ROLES,
    ACCOUNT_TOKEN_PURPOSES,
    Account,
    AccountAudit,
    AccountToken,
    ApiToken,
    FirmSso,
    account_firms,
    account_programmes,
)
from surveys.db.models.calendars import CalendarConnector
from surveys.db.models.exports import (
    ExportAudit,
    ExportRelease,
    ExportRequest,
    PrivacyBudget,
    PrivacySpend,
)
from surveys.db.models.intake import MixerPass, SealedSubmission
from surveys.db.models.optouts import OPT_OUT_SCOPES, MailOptOut
from surveys.db.models.pairing import PairedDifference, PairedRelease, PairingRecord
from surveys.db.models.people import FigurePeople, PeopleSeal
from surveys.db.models.pipeline import AggregateCell, OutboxEvent, PooledComment, ProcessedEvent
from surveys.db.models.plans import EvaluationPlan
from surveys.db.models.programme import (
    Enrolment,
    Firm,
    Meeting,
    Pairing,
    Person,
    Programme,
    ProgrammeMember,
    Promotion,
)
from surveys.db.models.reports import ReleasedReport
from surveys.db.models.scales import ReliabilityRelease
from surveys.db.models.survey import Answer, Response, SurveyInvitation, SurveyRound

__all__ = [
    "CalendarConnector",
    "ACCOUNT_ROLES",
    "OPT_OUT_SCOPES",
    "ACCOUNT_TOKEN_PURPOSES",
    "Account",
    "AccountAudit",
    "AccountToken",
    "AggregateCell",
    "Answer",
    "ApiToken",
    "Enrolment",
    "EvaluationPlan",
    "FigurePeople",
    "ExportAudit",
    "ExportRelease",
    "ExportRequest",
    "Firm",
    "MailOptOut",
    "FirmSso",
    "Meeting",
    "OutboxEvent",
    "PairedDifference",
    "PairedRelease",
    "PairingRecord",
    "Pairing",
    "PrivacyBudget",
    "PrivacySpend",
    "Person",
    "PeopleSeal",
    "PooledComment",
    "ProcessedEvent",
    "Programme",
    "ProgrammeMember",
    "Promotion",
    "ReleasedReport",
    "ReliabilityRelease",
    "Response",
    "MixerPass",
    "SealedSubmission",
    "SurveyInvitation",
    "SurveyRound",
    "account_firms",
    "account_programmes",
]
