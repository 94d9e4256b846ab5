"""All models, imported here so that ``Base.metadata`` knows every table (Alembic relies on it)."""

from question_bank.models.api_tokens import ApiToken
from question_bank.models.attempts import (
    CLOSED_STATES,
    HALF_CENT,
    Attempt,
    AttemptItem,
    AttemptState,
    DeviceEvent,
    DeviceEventKind,
    Mark,
    RefusedChange,
    ResponseSource,
    ResponseStep,
)
from question_bank.models.audit import AuditEvent
from question_bank.models.citations import CitationSource, CitationStatus, QuestionCitation
from question_bank.models.import_jobs import ImportJob, JobState
from question_bank.models.laws import (
    EventKind,
    HeadingKind,
    Law,
    LawArticle,
    LawHeading,
    LawHistoryEvent,
    LawKind,
    LawVersion,
    VersionStatus,
)
from question_bank.models.law_reviews import ArticleChange, AttemptLawVersion, LawReviewFlag, ReviewOutcome
from question_bank.models.marking import (
    ChangeState,
    ManualMark,
    MarkingRound,
    Regrade,
    RegradeChange,
    RegradeKind,
    ScoreChange,
)
from question_bank.models.org import OrgUnit, UnitLevel
from question_bank.models.papers import (
    BankGeneration,
    BlueprintSection,
    FixedItem,
    MultiChoiceRule,
    Paper,
    PaperPoolCache,
)
from question_bank.models.people import Role, User, UserRole
from question_bank.models.practice import Practice, PracticeItem, PracticeSource, WrongAnswerEntry, WrongAnswerExamItem
from question_bank.models.questions import (
    BatchStatus,
    Category,
    HeldImport,
    ImportBatch,
    NearDuplicateBand,
    Question,
    QuestionStatus,
    QuestionVersion,
)
from question_bank.models.reset_links import PasswordResetLink
from question_bank.models.sign_in import SignInFailure
from question_bank.models.proctoring import (
    VOID_BAND,
    AttemptReopening,
    AttemptVoid,
    FocusChange,
    FocusEvent,
)
from question_bank.models.report_codes import ReportCode, VerificationLookup
from question_bank.models.scores import LedgerCheckpoint, LedgerHead, ScoreRecord
from question_bank.models.study import (
    ListStatus,
    Requirement,
    StudyItem,
    StudyItemArticle,
    StudyList,
    StudyListUnit,
    StudyProgress,
)
from question_bank.models.sittings import (
    DEFAULT_GRACE_S,
    AccessCodeFailure,
    ExamKind,
    MakeupLink,
    ResultPolicy,
    RosterEntry,
    Sitting,
)

__all__ = [
    "ApiToken",
    "CitationSource", "CitationStatus", "EventKind", "HeadingKind", "Law", "LawArticle", "LawHeading",
    "LawHistoryEvent", "LawKind", "LawVersion", "QuestionCitation", "VersionStatus",
    "ArticleChange", "AttemptLawVersion", "LawReviewFlag", "ReviewOutcome",
    "ImportJob", "JobState",
    "CLOSED_STATES", "HALF_CENT", "DEFAULT_GRACE_S", "Attempt", "AttemptItem", "AttemptState", "AuditEvent",
    "BatchStatus", "BlueprintSection", "Category", "FixedItem", "DeviceEvent", "DeviceEventKind", "ExamKind", "HeldImport", "ImportBatch", "LedgerCheckpoint", "LedgerHead", "Mark",
    "BankGeneration", "PaperPoolCache",
    "MultiChoiceRule", "NearDuplicateBand", "OrgUnit", "Paper", "Practice", "PracticeItem", "PracticeSource",
    "WrongAnswerEntry", "WrongAnswerExamItem", "Question", "QuestionStatus", "QuestionVersion",
    "RefusedChange", "ResponseSource", "ResponseStep", "ResultPolicy", "Role", "RosterEntry", "ScoreRecord",
    "PasswordResetLink", "SignInFailure", "ReportCode", "VerificationLookup",
    "Sitting", "UnitLevel", "User", "UserRole",
    "ListStatus", "Requirement", "StudyItem", "StudyItemArticle", "StudyList", "StudyListUnit", "StudyProgress",
    "ChangeState", "ManualMark", "MarkingRound", "Regrade", "RegradeChange", "RegradeKind", "ScoreChange",
    "AccessCodeFailure", "MakeupLink", "VOID_BAND", "AttemptReopening", "AttemptVoid", "FocusChange", "FocusEvent",
]
