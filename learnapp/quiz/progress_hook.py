"""The quiz engine grades attempts; what a graded attempt means for a learner's progress
and certificate belongs to learn. Learn installs its handler when the app is made
(`learnapp.learn.quiz_progress.init_app`), so the quiz package never imports learn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from learnapp.models import Certificate, Module, QuizAttempt, User

_KEY = "learnapp.quiz.progress"


@dataclass(frozen=True)
class ProgressHandler:
    # After an action that may have closed an attempt (start after an expired one,
    # submit): record it, refresh the learner's summary once, issue the certificate if
    # due. Returns the certificate issued now, or None.
    attempt_closed: Callable[[User, Module, QuizAttempt | None], Certificate | None]
    # The learner's certificate for the module, if any (shown on the result page).
    certificate_for: Callable[[User, Module], Certificate | None]


def install(app: Flask, handler: ProgressHandler) -> None:
    app.extensions[_KEY] = handler


def progress() -> ProgressHandler:
    handler = current_app.extensions.get(_KEY)
    if handler is None:
        raise RuntimeError("no quiz progress handler: create_app installs learn's")
    return handler
