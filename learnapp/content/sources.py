"""Plain records of what the course files say, before anything touches the database."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentError(Exception):
    """The course files have problems; nothing was imported."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the course files")
        self.problems = problems


@dataclass
class LessonText:
    title: str
    objective: str
    body_md: str
    # The recording in this language: a file name of the module's audio/ folder as the
    # course files write it, "/media/<name>" as the database and drafts hold it; "" none.
    audio: str = ""


@dataclass
class LessonSource:
    slug: str
    position: int
    minutes: int
    texts: dict[str, LessonText] = field(default_factory=dict)


@dataclass
class AidText:
    title: str
    body_md: str


@dataclass
class AidSource:
    slug: str
    position: int
    texts: dict[str, AidText] = field(default_factory=dict)


@dataclass
class ChoiceText:
    text: str
    feedback: str


@dataclass
class ChoiceSource:
    is_correct: bool
    texts: dict[str, ChoiceText] = field(default_factory=dict)


@dataclass
class QuestionText:
    text: str
    explanation: str
    answers: list[str]


@dataclass
class QuestionSource:
    key: str
    type: str
    points: int
    match: str
    position: int
    choices: list[ChoiceSource] = field(default_factory=list)
    texts: dict[str, QuestionText] = field(default_factory=dict)
    lesson: str = ""  # slug of the module's lesson that teaches it; "" for none


@dataclass
class ModuleSource:
    slug: str
    position: int
    default_language: str
    completion: str
    pass_mark: int
    draw: int
    max_attempts: int
    time_limit_minutes: int
    titles: dict[str, str]
    summaries: dict[str, str]
    source_hash: str
    lessons: list[LessonSource] = field(default_factory=list)
    aids: list[AidSource] = field(default_factory=list)
    questions: list[QuestionSource] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)
    audio: dict[str, bytes] = field(default_factory=dict)  # the audio/ folder, by name


def content_hash(module: ModuleSource) -> str:
    """A hash of what the module says, not of how its files are laid out.

    Files exported from the editor and the hand-written files they came from hash the
    same when they say the same, so re-importing an export changes nothing.
    """
    data = asdict(module)
    data.pop("source_hash")
    digests = {name: hashlib.sha256(b).hexdigest() for name, b in module.images.items()}
    data["images"] = sorted(set(digests.values()))
    _hash_audio(module, data)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # A picture is known by its content, not its file name: the database keeps only the
    # content-derived name, so an export cannot give back "map.png".
    canonical = re.sub(
        r"images/([a-z0-9][a-z0-9_-]*\.(?:png|jpg|jpeg|webp))",
        lambda m: "images/" + digests.get(m.group(1), m.group(1)),
        canonical,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _hash_audio(module: ModuleSource, data: dict) -> None:
    """Recordings counted by their bytes, like pictures; a module without any hashes as
    it did before lessons could carry audio, so no existing module looks changed."""
    digests = {name: hashlib.sha256(b).hexdigest() for name, b in module.audio.items()}
    if digests:
        data["audio"] = sorted(set(digests.values()))
    else:
        data.pop("audio")
    for lesson in data["lessons"]:
        for text in lesson["texts"].values():
            name = text.pop("audio")
            if name:
                text["audio"] = digests.get(name, name)
