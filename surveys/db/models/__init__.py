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
from surveys.db.models.exports import (
    ExportAudit,
    ExportRelease,
    ExportRequest,
    PrivacyBudget,
    PrivacySpend,
)
from surveys.db.models.intake import MixerPass, SealedSubmission
from surveys.db.models.optouts import OPT_OUT_SCOPES, MailOptOut
from surveys.db.models.pipeline import AggregateCell, OutboxEvent, PooledComment, ProcessedEvent
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
from surveys.db.models.survey import Answer, Response, SurveyInvitation, SurveyRound

__all__ = [
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
    "ExportAudit",
    "ExportRelease",
    "ExportRequest",
    "Firm",
    "MailOptOut",
    "FirmSso",
    "Meeting",
    "OutboxEvent",
    "Pairing",
    "PrivacyBudget",
    "PrivacySpend",
    "Person",
    "PooledComment",
    "ProcessedEvent",
    "Programme",
    "ProgrammeMember",
    "Promotion",
    "ReleasedReport",
    "Response",
    "MixerPass",
    "SealedSubmission",
    "SurveyInvitation",
    "SurveyRound",
    "account_firms",
    "account_programmes",
]
