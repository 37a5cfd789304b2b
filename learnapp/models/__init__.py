"""All tables, imported here so Alembic and the app see one metadata."""

# The notify feature owns its tables; imported here so Alembic and the app see them.
import learnapp.notify.models  # noqa: E402, F401, I001
import learnapp.reports.models  # noqa: E402, F401, I001
import learnapp.admin.models  # noqa: E402, F401, I001
import learnapp.offline.models  # noqa: E402, F401, I001
import learnapp.cache.models  # noqa: E402, F401, I001
from learnapp.models.activity import AuditEvent
from learnapp.models.authoring import MediaFile, ModuleDraft, ModuleVersion
from learnapp.models.content import (
    Choice,
    ChoiceText,
    CompletionRule,
    JobAid,
    JobAidText,
    Lesson,
    LessonText,
    MatchMode,
    Module,
    ModuleStatus,
    ModuleText,
    Question,
    QuestionText,
    QuestionType,
    Quiz,
)
from learnapp.models.learning import (
    AnswerChoice,
    AreaModuleProgress,
    AreaProgress,
    Assignment,
    AttemptAnswer,
    AttemptStatus,
    Certificate,
    LessonProgress,
    ModuleProgress,
    QuizAttempt,
    Requirement,
    SavedAnswer,
)
from learnapp.models.org import Area, AreaClosure
from learnapp.models.people import PasswordBatch, PasswordBatchStatus, Role, RoleGrant, User
from learnapp.models.sessions import (
    AttendanceStatus,
    NoticeKind,
    SessionArea,
    SessionAttendance,
    SessionMarkReceipt,
    SessionNotice,
    SessionSignup,
    SessionStatus,
    SignupStatus,
    TrainingSession,
)
from learnapp.models.settings import SiteSetting

__all__ = [
    "AnswerChoice",
    "Area",
    "AreaClosure",
    "AreaModuleProgress",
    "AreaProgress",
    "Assignment",
    "AttemptAnswer",
    "AttemptStatus",
    "AttendanceStatus",
    "AuditEvent",
    "Certificate",
    "Choice",
    "ChoiceText",
    "CompletionRule",
    "JobAid",
    "JobAidText",
    "Lesson",
    "LessonProgress",
    "LessonText",
    "MatchMode",
    "MediaFile",
    "NoticeKind",
    "Module",
    "ModuleDraft",
    "ModuleProgress",
    "ModuleStatus",
    "ModuleText",
    "ModuleVersion",
    "PasswordBatch",
    "PasswordBatchStatus",
    "Question",
    "QuestionText",
    "QuestionType",
    "Quiz",
    "QuizAttempt",
    "Requirement",
    "Role",
    "RoleGrant",
    "SavedAnswer",
    "SessionArea",
    "SessionAttendance",
    "SessionMarkReceipt",
    "SessionNotice",
    "SessionSignup",
    "SessionStatus",
    "SignupStatus",
    "SiteSetting",
    "TrainingSession",
    "User",
]
import learnapp.models.folding  # noqa: E402,F401  (keeps folded names in step)
