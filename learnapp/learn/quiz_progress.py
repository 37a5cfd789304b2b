"""Learn's side of a quiz attempt: the quiz engine grades, learn records progress and
issues the certificate (installed into the quiz pages by create_app)."""

from __future__ import annotations

from flask import Flask

from learnapp.learn import services
from learnapp.models import Certificate, Module, QuizAttempt, User
from learnapp.quiz import progress_hook


def record_attempt(user: User, module: Module, attempt: QuizAttempt | None) -> Certificate | None:
    """A graded (or expired and closed) attempt is in: refresh the learner's row once and
    issue the certificate if the module is now complete."""
    return services.check_completion(user, module)


def init_app(app: Flask) -> None:
    progress_hook.install(
        app,
        progress_hook.ProgressHandler(
            attempt_closed=record_attempt, certificate_for=services.certificate_for
        ),
    )
