"""All tables, imported here so Alembic and the app see one metadata."""

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
    Assignment,
    AttemptAnswer,
    AttemptStatus,
    Certificate,
    LessonProgress,
    ModuleProgress,
    QuizAttempt,
    SavedAnswer,
)
from learnapp.models.org import Area, AreaClosure
from learnapp.models.people import Role, RoleGrant, User
from learnapp.models.settings import SiteSetting

__all__ = [
    "AnswerChoice",
    "Area",
    "AreaClosure",
    "Assignment",
    "AttemptAnswer",
    "AttemptStatus",
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
    "Module",
    "ModuleDraft",
    "ModuleProgress",
    "ModuleStatus",
    "ModuleText",
    "ModuleVersion",
    "Question",
    "QuestionText",
    "QuestionType",
    "Quiz",
    "QuizAttempt",
    "Role",
    "RoleGrant",
    "SavedAnswer",
    "SiteSetting",
    "User",
]
