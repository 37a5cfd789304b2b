"""Read Moodle GIFT question files into learnapp's question model (issue 6 item 4).

GIFT in one paragraph: questions are separated by blank lines; lines starting with `//`
are comments; `::Name::` names a question; the answers sit in one `{...}` block where
`=` marks a right answer, `~` a wrong one, `%50%` a weight, `#` a feedback and `####`
the general feedback; `{T}`/`{F}` is true/false, `{#...}` numerical, `{=a -> b}`
matching and `{}` an essay; text after the block makes a "missing word" question whose
block becomes `_____`; `\\~ \\= \\# \\{ \\} \\: \\\\` escape the control characters and
`\\n` is a new line; `[markdown]`, `[html]`, `[plain]` or `[moodle]` in front of a text
says how it is written (Moodle's default is `[moodle]`, and answers, feedback and the
general feedback default to the question text's format).

What comes out is *source text* for our Markdown fields, never rendered HTML:

- `[markdown]` text is kept as written (it is rendered and sanitised on the way out);
- `[html]` text goes through `learnapp.content.markdown.sanitise`, so no script, event
  handler or `javascript:` link survives even in the stored source;
- `[plain]` and `[moodle]` (and unprefixed) text is escaped so Markdown shows it
  literally: `2*3*4` stays `2*3*4` and `<b>` is shown, not obeyed;
- accepted short answers and question names are plain data, not Markdown: they are
  unescaped and, for `[html]`, stripped of tags; templates must escape them as text.

Pure Python: no Flask, no database, nothing in the file is ever evaluated. Bad input
never raises: every block is either a question or a `GiftSkipped` with its line and why.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3
from flask_babel import gettext

from learnapp.content.markdown import sanitise

FORMATS = ("markdown", "html", "plain", "moodle")
DEFAULT_FORMAT = "moodle"  # Moodle's default for question text
BLANK = "_____"  # what a missing-word question shows where its answers were
LABEL_LENGTH = 40  # an unnamed skipped question is labelled by this much of its text

# Escaped control characters are swapped for private-use characters while the block is
# parsed, so `\=` never starts an answer, then turned back into the plain character.
_ESCAPABLE = "\\~=#{}:"
_HIDE = {ch: chr(0xE000 + i) for i, ch in enumerate(_ESCAPABLE)}
_SHOW = str.maketrans({v: k for k, v in _HIDE.items()})
_BLANK_MARK = "\ue010"
_PRIVATE = re.compile("[\ue000-\ue010]")  # removed from input: they would collide
_ESCAPE = re.compile(r"\\(.)", re.S)
_PREFIX = re.compile(r"\[(markdown|html|plain|moodle)\]")
_WEIGHT = re.compile(r"\s*%([^%\n]{0,16})%")
_NUMBER = re.compile(r"\s*(-?\d+(?:\.\d+)?)\s*")
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}


@dataclass
class GiftChoice:
    text: str
    is_correct: bool
    weight: float | None  # the %n% written in the file; None when none was written
    feedback: str


@dataclass
class GiftQuestion:
    line: int  # 1-based line where the question starts in the file
    name: str  # the ::Name::, "" when the question has none
    type: str  # single | multiple | truefalse | short
    text: str
    choices: list[GiftChoice]  # truefalse: "true" then "false", as the quiz engine stores it
    answers: list[str]  # short: the accepted answers
    truth: bool | None  # truefalse: the right answer
    explanation: str  # GIFT general feedback "####..."
    text_format: str  # markdown | html | plain | moodle: how the question text was written
    notes: list[str] = field(default_factory=list)  # what the import changed or dropped


@dataclass
class GiftSkipped:
    line: int
    name: str  # the ::Name::, or the first 40 characters of the text when unnamed
    kind: str  # matching | numerical | essay | description | malformed
    reason: str


@dataclass
class GiftResult:
    questions: list[GiftQuestion] = field(default_factory=list)
    skipped: list[GiftSkipped] = field(default_factory=list)


class _Skip(Exception):  # control flow inside one block: never leaves parse_gift
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


def parse_gift(text: str) -> GiftResult:
    """Every question of a GIFT file, or the reason it was not imported."""
    result = GiftResult()
    if not isinstance(text, str):
        return result
    text = _PRIVATE.sub("", text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    for line, block in _blocks(text):
        try:
            result.questions.append(_parse_block(line, block))
        except _Skip as skip:
            result.skipped.append(GiftSkipped(line, _label(block), skip.kind, skip.reason))
        except Exception as error:  # a bug here must not take the import page down
            result.skipped.append(
                GiftSkipped(
                    line,
                    _label(block),
                    "malformed",
                    f"could not be read (internal error {type(error).__name__})",
                )
            )
    return result


# --- blocks -----------------------------------------------------------------------------


def _blocks(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each blank-line separated block, without comment
    and $CATEGORY lines."""
    blocks: list[tuple[int, str]] = []
    start = 0
    lines: list[str] = []
    for number, raw in enumerate(text.split("\n"), start=1):
        stripped = raw.strip()
        if not stripped:
            if lines:
                blocks.append((start, "\n".join(lines)))
            lines = []
            continue
        if stripped.startswith("//") or stripped.startswith("$CATEGORY:"):
            continue
        if not lines:
            start = number
        lines.append(raw)
    if lines:
        blocks.append((start, "\n".join(lines)))
    return blocks


def _hide_escapes(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        ch = match.group(1)
        if ch == "n":
            return "\n"
        return _HIDE.get(ch, match.group(0))  # an unknown escape is a literal backslash

    return _ESCAPE.sub(swap, text)


def _show(text: str) -> str:
    return text.translate(_SHOW)


def _split_name(block: str) -> tuple[str, str]:
    """(name, rest) of an escape-hidden block."""
    body = block.lstrip()
    if not body.startswith("::"):
        return "", block
    end = body.find("::", 2)
    if end == -1:
        raise _Skip(
            "malformed", gettext("the question name is not closed: write ::Name:: before the text")
        )
    return " ".join(_show(body[2:end]).split()), body[end + 2 :]


def _label(block: str) -> str:
    """The name of a block, or the start of its text, for the skipped list."""
    hidden = _hide_escapes(block)
    try:
        name, rest = _split_name(hidden)
    except _Skip:
        name, rest = "", hidden
    if name:
        return name
    rest = rest.split("{", 1)[0].lstrip()
    prefix = _PREFIX.match(rest)
    if prefix:
        rest = rest[prefix.end() :]
    words = " ".join(_show(rest).split()) or " ".join(_show(hidden).split())
    return words[:LABEL_LENGTH]


# --- one question -----------------------------------------------------------------------


def _parse_block(line: int, block: str) -> GiftQuestion:
    name, rest = _split_name(_hide_escapes(block))
    before, inner, after = _answer_block(rest)

    question_raw = before + _BLANK_MARK + after if after.strip() else before
    text_format, body = _take_prefix(question_raw.strip(), DEFAULT_FORMAT)
    text = _as_markdown(body, text_format)
    if not text.replace(_BLANK_MARK, "").strip():
        raise _Skip("malformed", gettext("the question has no text"))
    text = text.replace(_BLANK_MARK, BLANK)

    question = GiftQuestion(
        line=line,
        name=name,
        type="",
        text=text,
        choices=[],
        answers=[],
        truth=None,
        explanation="",
        text_format=text_format,
    )
    inner = inner.strip()
    general = inner.find("####")
    if general != -1:
        question.explanation = _convert(inner[general + 4 :], text_format)
        inner = inner[:general].strip()

    if not inner:
        raise _Skip(
            "essay", gettext("essay question ({}): not imported, it needs a person to mark it")
        )
    if inner.startswith("#"):
        raise _Skip("numerical", gettext("numerical question ({#...}): not imported"))
    key, _, feedback = inner.partition("#")
    if key.strip().upper() in _TRUE | _FALSE:
        _true_false(question, key.strip().upper() in _TRUE, feedback, text_format)
    elif "=" in inner and "->" in inner:
        raise _Skip("matching", gettext("matching question ({=a -> b}): not imported"))
    elif "~" in inner:
        _choices(question, _items(inner), text_format)
    elif "=" in inner:
        _short(question, _items(inner), text_format)
    else:
        raise _Skip(
            "malformed",
            gettext(
                "the answers hold no right (=) or wrong (~) answer, and are not T, F, TRUE or FALSE"
            ),
        )
    return question


def _answer_block(rest: str) -> tuple[str, str, str]:
    """(text before, answers, text after) of the one {...} block."""
    opening = rest.find("{")
    closing = rest.find("}")
    if opening == -1:
        if closing != -1:
            raise _Skip("malformed", gettext("'}' without an opening '{' (write \\} for a brace)"))
        raise _Skip("description", gettext("no answers in { }: a description, not a question"))
    if closing == -1:
        raise _Skip("malformed", gettext("unclosed brace: the '{' has no matching '}'"))
    if closing < opening:
        raise _Skip("malformed", gettext("'}' before the opening '{' (write \\} for a brace)"))
    inner = rest[opening + 1 : closing]
    after = rest[closing + 1 :]
    if "{" in inner:
        raise _Skip("malformed", gettext("a second '{' before the '}' (write \\{ for a brace)"))
    if "{" in after or "}" in after:
        raise _Skip(
            "malformed",
            gettext(
                "more braces after the answers: is a blank line missing between two "
                "questions? (write \\{ and \\} for braces in text)"
            ),
        )
    return rest[:opening], inner, after


@dataclass
class _Item:
    mark: str  # "=" or "~"
    weight: float | None
    text: str  # escape-hidden, may start with a [format]
    feedback: str

    @property
    def credit(self) -> float:
        """The share of the points this answer earns, in percent."""
        if self.weight is not None:
            return self.weight
        return 100.0 if self.mark == "=" else 0.0


def _items(inner: str) -> list[_Item]:
    first = min(i for i in (inner.find("="), inner.find("~")) if i != -1)
    lead = _show(inner[:first]).strip()
    if lead:
        raise _Skip(
            "malformed",
            gettext(
                "text before the first answer: %(text)s (answers start with = or ~)",
                text=repr(lead[:LABEL_LENGTH]),
            ),
        )
    items = []
    for number, part in enumerate(re.split(r"(?=[=~])", inner[first:])[1:], start=1):
        mark, body = part[0], part[1:]
        weight = None
        found = _WEIGHT.match(body)
        if found:
            number_found = _NUMBER.fullmatch(found.group(1))
            if not number_found:
                raise _Skip(
                    "malformed",
                    gettext(
                        "answer %(number)s: the weight %%%(weight)s%% is not a number like %%50%%",
                        number=number,
                        weight=found.group(1),
                    ),
                )
            weight = float(number_found.group(1))
            if not -100 <= weight <= 100:
                raise _Skip(
                    "malformed",
                    gettext(
                        "answer %(number)s: the weight %(weight)s%% is not from -100 to 100",
                        number=number,
                        weight=f"{weight:g}",
                    ),
                )
            body = body[found.end() :]
        text, _, feedback = body.partition("#")
        if not _show(text).strip():
            raise _Skip("malformed", gettext("answer %(number)s is empty", number=number))
        items.append(_Item(mark, weight, text.strip(), feedback.strip()))
    return items


def _true_false(question: GiftQuestion, truth: bool, feedback: str, fmt: str) -> None:
    # GIFT: {T#shown to who answered wrong#shown to who answered right}
    wrong, _, right = feedback.partition("#")
    wrong, right = _convert(wrong, fmt), _convert(right, fmt)
    question.type = "truefalse"
    question.truth = truth
    question.choices = [
        GiftChoice("true", truth, None, right if truth else wrong),
        GiftChoice("false", not truth, None, wrong if truth else right),
    ]


def _choices(question: GiftQuestion, items: list[_Item], fmt: str) -> None:
    if len(items) < 2:
        raise _Skip("malformed", gettext("a choice question needs two or more answers"))
    choices = [
        GiftChoice(_convert(item.text, fmt), False, item.weight, _convert(item.feedback, fmt))
        for item in items
    ]
    for number, choice in enumerate(choices, start=1):
        if not choice.text:
            raise _Skip(
                "malformed",
                gettext("answer %(number)s is empty (after removing unsafe HTML)", number=number),
            )
    if any(item.mark == "=" for item in items):
        # Moodle: an "=" answer makes it a one-answer question (radio buttons); "~%n%"
        # answers beside it are partly right. Ours has exactly one right answer.
        right = [i for i, item in enumerate(items) if item.credit == 100]
        if not right:
            raise _Skip(
                "malformed", gettext("no correct answer: no answer is worth %(full)s", full="100%")
            )
        if len(right) > 1:
            raise _Skip(
                "malformed",
                gettext(
                    "%(count)s answers are fully correct; a single-choice question needs one",
                    count=len(right),
                ),
            )
        choices[right[0]].is_correct = True
        partial = [c.text for c, item in zip(choices, items, strict=True) if 0 < item.credit < 100]
        if partial:
            question.notes.append(
                gettext(
                    "partial credit dropped (only the 100%% answer counts): %(answers)s",
                    answers=", ".join(partial),
                )
            )
        question.type = "single"
    else:
        # Moodle: only "~" answers, the right ones with positive weights: tick several.
        for choice, item in zip(choices, items, strict=True):
            choice.is_correct = item.credit > 0
        positive = {item.credit for item in items if item.credit > 0}
        if not positive:
            raise _Skip(
                "malformed",
                gettext(
                    "no correct answer: mark the right one with = or the right ones with "
                    "%(example)s weights",
                    example="~%50%",
                ),
            )
        if len(positive) > 1:
            question.notes.append(
                gettext(
                    "unequal weights: each correct choice earns an equal share of the points here"
                )
            )
        question.type = "multiple"
    question.choices = choices


def _short(question: GiftQuestion, items: list[_Item], fmt: str) -> None:
    # Our short answers are right or wrong: only the 100% answers are accepted; answers
    # worth less (=%50%Cat) are dropped and listed in the notes, as is per-answer feedback.
    accepted: list[str] = []
    dropped: list[str] = []
    for item in items:
        answer_format, body = _take_prefix(item.text, fmt)
        answer = _plain_answer(body, answer_format)
        if item.credit == 100:
            if answer and answer not in accepted:
                accepted.append(answer)
        else:
            dropped.append(f"{answer} ({item.credit:g}%)")
    if not accepted:
        raise _Skip(
            "malformed",
            gettext("no accepted answer: no short answer is worth %(full)s", full="100%"),
        )
    if dropped:
        question.notes.append(
            gettext(
                "answers worth less than 100%% not imported: %(answers)s",
                answers=", ".join(dropped),
            )
        )
    if any(item.feedback for item in items):
        question.notes.append(
            gettext("per-answer feedback of a short-answer question not imported")
        )
    if any("*" in answer for answer in accepted):
        question.notes.append(gettext("'*' is a wildcard in Moodle; here it must be typed as is"))
    question.type = "short"
    question.answers = accepted


# --- text formats -----------------------------------------------------------------------


def _take_prefix(text: str, default: str) -> tuple[str, str]:
    found = _PREFIX.match(text)
    if found:
        return found.group(1), text[found.end() :]
    return default, text


def _convert(text: str, default: str) -> str:
    """An escape-hidden text with an optional [format] in front, as Markdown source."""
    text_format, body = _take_prefix(text.strip(), default)
    return _as_markdown(body, text_format)


def _as_markdown(body: str, text_format: str) -> str:
    body = _show(body)
    if text_format == "html":
        return sanitise(body).strip()
    if text_format == "markdown":
        return body.strip()
    return escape_markdown(body)


def _plain_answer(body: str, text_format: str) -> str:
    text = _show(body)
    if text_format == "html":
        text = html.unescape(nh3.clean(text, tags=set()))
    return " ".join(text.split())


_MD_INLINE = re.compile(r"[\\`*_\[\]|]")
_ENTITY = re.compile(r"&(?=#?\w{1,32};)")
_ORDERED = re.compile(r"^(\d+)([.)])")


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that shows exactly that text (python-markdown with our
    extensions): inline marks escaped, line starts that would open a block defused."""
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()  # four spaces would make a code block
        line = _MD_INLINE.sub(lambda m: "\\" + m.group(0), line)
        line = _ENTITY.sub("&amp;", line).replace("<", "&lt;")
        if line[:1] in ("#", ">", "+", "-", "!"):  # heading, quote, list, rule, callout
            line = "\\" + line
        elif line[:1] == ":":  # definition list
            line = "&#58;" + line[1:]
        elif line.startswith("~~~"):  # fenced code
            line = "&#126;" + line[1:]
        elif out and re.fullmatch(r"=+", line):  # underline of a heading above
            line = "&#61;" + line[1:]
        else:
            line = _ORDERED.sub(r"\1\\\2", line)  # "1. " would start a list
        out.append(line)
    return "\n".join(out).strip()
