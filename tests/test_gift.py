"""GIFT import parser (issue 6 items 4 and 8): Moodle's own example and fixture files,
named examples, escapes, formats, sanitising of [html], and malformed input."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnapp.authoring.gift import (
    BLANK,
    GiftChoice,
    GiftQuestion,
    GiftResult,
    GiftSkipped,
    escape_markdown,
    parse_gift,
)

GIFT_DIR = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "gift"
EXAMPLES = "moodle-examples.gift.txt"
FIXTURE = "moodle-fixture-questions.gift.txt"


@pytest.fixture(scope="module")
def moodle() -> dict[str, GiftResult]:
    if not GIFT_DIR.is_dir():
        pytest.skip("shared/testdata/gift not found: run beside ../shared")
    return {p.name: parse_gift(p.read_text(encoding="utf-8")) for p in GIFT_DIR.glob("*.gift.txt")}


def by_line(result: GiftResult, line: int) -> GiftQuestion:
    [question] = [q for q in result.questions if q.line == line]
    return question


def one(text: str) -> GiftQuestion:
    result = parse_gift(text)
    assert not result.skipped, result.skipped
    [question] = result.questions
    return question


def skipped(text: str) -> GiftSkipped:
    result = parse_gift(text)
    assert not result.questions, result.questions
    [skip] = result.skipped
    return skip


def correct(question: GiftQuestion) -> list[str]:
    return [c.text for c in question.choices if c.is_correct]


# --- Moodle's files ---------------------------------------------------------------------


def block_starts(text: str) -> list[int]:
    """First line of each blank-line separated block that is not only comments: counted
    independently of the parser."""
    starts, in_block = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            in_block = False
        elif not line.strip().startswith("//") and not in_block:
            starts.append(number)
            in_block = True
    return starts


def test_both_moodle_files_are_present(moodle):
    assert set(moodle) == {EXAMPLES, FIXTURE}


@pytest.mark.parametrize("name", [EXAMPLES, FIXTURE])
def test_every_question_in_the_moodle_files_is_parsed_or_skipped_with_a_reason(moodle, name):
    result = moodle[name]
    lines = sorted([q.line for q in result.questions] + [s.line for s in result.skipped])
    assert lines == block_starts((GIFT_DIR / name).read_text(encoding="utf-8"))
    for skip in result.skipped:
        assert skip.kind in {"matching", "numerical", "essay", "description", "malformed"}
        assert skip.reason and skip.name
        assert "internal error" not in skip.reason


def test_counts_in_moodle_examples(moodle):
    # Counted by hand in moodle-examples.gift.txt: 43 questions. Skipped: numerical at
    # lines 16, 70, 72, 74, 76, 85, 175 and 202; matching at 55, 61 and 177. Imported: 16
    # single (an "=" answer among "~" ones, including the missing-word ones and the two
    # with ~%50% partial credit beside an "="), 2 multiple (only "~", %-weighted), 5
    # true/false (lines 12, 49, 51, 113, 171) and 9 short answer (only "=").
    result = moodle[EXAMPLES]
    assert len(result.questions) + len(result.skipped) == 43
    assert Counter(q.type for q in result.questions) == {
        "single": 16,
        "multiple": 2,
        "truefalse": 5,
        "short": 9,
    }
    assert [(s.line, s.kind) for s in result.skipped] == [
        (16, "numerical"),
        (55, "matching"),
        (61, "matching"),
        (70, "numerical"),
        (72, "numerical"),
        (74, "numerical"),
        (76, "numerical"),
        (85, "numerical"),
        (175, "numerical"),
        (177, "matching"),
        (202, "numerical"),
    ]
    assert [q.line for q in result.questions if q.type == "truefalse"] == [12, 49, 51, 113, 171]
    assert [q.line for q in result.questions if q.type == "multiple"] == [130, 136]
    assert [q.line for q in result.questions if q.type == "short"] == [
        14, 43, 45, 90, 103, 108, 123, 173, 195,
    ]  # fmt: skip


def test_counts_in_moodle_fixture(moodle):
    # Counted by hand in moodle-fixture-questions.gift.txt: 9 questions. Skipped: Q8 essay
    # (line 2), "Moodle activities" matching (5), Q5 numerical (31). Imported: Q2 single,
    # colours multiple, Shortanswer short, Q1 and the two "2-08 TSL" true/false.
    result = moodle[FIXTURE]
    assert [(s.line, s.name, s.kind) for s in result.skipped] == [
        (2, "Q8", "essay"),
        (5, "Moodle activities", "matching"),
        (31, "Q5", "numerical"),
    ]
    assert [(q.line, q.name, q.type) for q in result.questions] == [
        (14, "Q2", "single"),
        (22, "colours", "multiple"),
        (34, "Shortanswer", "short"),
        (41, "Q1", "truefalse"),
        (46, "2-08 TSL", "truefalse"),
        (49, "2-08 TSL", "truefalse"),
    ]


def test_unnamed_skipped_question_is_labelled_by_the_start_of_its_text(moodle):
    skip = next(s for s in moodle[EXAMPLES].skipped if s.line == 177)
    assert skip.name == "Match the following countries with their"  # 40 characters
    assert "matching" in skip.reason


# --- named examples ---------------------------------------------------------------------


def test_grants_tomb_single_choice(moodle):
    question = by_line(moodle[EXAMPLES], 8)
    assert question == GiftQuestion(
        line=8,
        name="",
        type="single",
        text="Who's buried in Grant's tomb?",
        choices=[
            GiftChoice("Grant", False, None, ""),
            GiftChoice("Jefferson", False, None, ""),
            GiftChoice("no one", True, None, ""),
        ],
        answers=[],
        truth=None,
        explanation="",
        text_format="moodle",
    )


def test_missing_word(moodle):
    question = by_line(moodle[EXAMPLES], 10)
    assert question.type == "single"
    assert question.text == "Grant is _____ in Grant's tomb."
    assert [c.text for c in question.choices] == ["buried", "entombed", "living"]
    assert correct(question) == ["entombed"]


def test_thanksgiving_multi_line_missing_word(moodle):
    question = by_line(moodle[EXAMPLES], 29)
    assert question.type == "single"
    assert question.text == (
        "The American holiday of Thanksgiving is celebrated on the _____ Thursday of November."
    )
    assert [c.text for c in question.choices] == ["second", "third", "fourth"]
    assert correct(question) == ["fourth"]

    named = by_line(moodle[EXAMPLES], 93)
    assert named.name == "Thanksgiving Date"
    assert named.text == (
        "The American holiday of Thanksgiving is\ncelebrated on the _____ Thursday of November."
    )
    assert correct(named) == ["fourth"]


@pytest.mark.parametrize(
    ("name", "line", "truth"),
    [(EXAMPLES, 12, False), (EXAMPLES, 49, False), (EXAMPLES, 51, True), (EXAMPLES, 171, False),
     (FIXTURE, 46, True), (FIXTURE, 49, True)],
)  # fmt: skip
def test_true_false(moodle, name, line, truth):
    question = by_line(moodle[name], line)
    assert question.type == "truefalse"
    assert question.truth is truth
    assert [(c.text, c.is_correct) for c in question.choices] == [
        ("true", truth),
        ("false", not truth),
    ]
    assert question.answers == []


def test_true_false_feedback_and_general_feedback(moodle):
    # {FALSE#feedback} : the first feedback is for the learner who answered wrong (true).
    question = by_line(moodle[EXAMPLES], 113)
    assert question.truth is False
    assert question.choices[0].feedback == "No one is buried in Grant's tomb."
    assert question.choices[1].feedback == ""

    # {FALSE#for the wrong answer#for the right answer ####general feedback}
    q1 = by_line(moodle[FIXTURE], 41)
    assert q1.truth is False
    assert q1.choices == [
        GiftChoice("true", False, None, "42 is the Ultimate Answer."),
        GiftChoice("false", True, None, "You gave the right answer."),
    ]
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    # The fixture has `";` after the closing brace (left over from a PHP string): text
    # after the answers makes a missing-word question, as in Moodle.
    assert q1.text == '42 is the Absolute Answer to everything._____";'


def test_short_answer(moodle):
    question = by_line(moodle[EXAMPLES], 45)  # Two plus two equals {=four =4}.
    assert question.type == "short"
    assert question.text == "Two plus two equals _____."
    assert question.answers == ["four", "4"]
    assert question.choices == []

    assert by_line(moodle[EXAMPLES], 14).answers == ["no one", "nobody"]
    kanji = by_line(moodle[EXAMPLES], 90)  # {=China} alone is a short answer
    assert (kanji.name, kanji.type, kanji.answers) == ("Kanji Origins", "short", ["China"])
    assert kanji.text == "Japanese characters originally\ncame from what country?"


def test_short_answer_keeps_only_full_credit_answers(moodle):
    question = by_line(moodle[EXAMPLES], 123)  # =Nazareth =%75%Nazereth =%25%Bethlehem
    assert question.name == "Jesus' hometown"
    assert question.answers == ["Nazareth"]
    assert any("Nazereth (75%)" in note for note in question.notes)

    animal = by_line(moodle[FIXTURE], 34)  # =Frog =%50%Cat =%0%*
    assert animal.answers == ["Frog"]
    assert any("Cat (50%)" in note for note in animal.notes)


def test_percent_weighted_multiple_answer(moodle):
    question = by_line(moodle[EXAMPLES], 130)
    assert question.type == "multiple"
    assert question.choices == [
        GiftChoice("No one", False, None, ""),
        GiftChoice("Grant", True, 50.0, ""),
        GiftChoice("Grant's wife", True, 50.0, ""),
        GiftChoice("Grant's father", False, None, ""),
    ]
    negative = by_line(moodle[EXAMPLES], 136)
    assert [(c.is_correct, c.weight) for c in negative.choices] == [
        (False, -50.0),
        (True, 50.0),
        (True, 50.0),
        (False, -50.0),
    ]
    colours = by_line(moodle[FIXTURE], 22)
    assert [(c.text, c.is_correct, c.weight, c.feedback) for c in colours.choices] == [
        ("yellow", True, 50.0, "right; good!"),
        ("red", False, -100.0, "wrong"),  # "# [html]wrong"
        ("off-beige", True, 50.0, "right; good!"),
        ("blue", False, -100.0, "wrong"),  # "~%-100%[plain]blue"
    ]


def test_equals_answer_with_partial_credit_stays_single(moodle):
    # Moodle makes an "=" question a one-answer question; the ~%50% answer earned part
    # of the points there. Ours has one right answer: the weight is kept, the credit noted.
    question = by_line(moodle[EXAMPLES], 115)
    assert question.type == "single"
    assert [(c.text, c.is_correct, c.weight) for c in question.choices] == [
        ("wrong answer", False, None),
        ("half credit answer", False, 50.0),
        ("full credit answer", True, None),
    ]
    assert question.notes and "half credit answer" in question.notes[0]

    hometown = by_line(moodle[EXAMPLES], 117)
    assert hometown.name == "Jesus' hometown"
    assert hometown.text == "Jesus Christ was from _____."
    assert correct(hometown) == ["Nazareth"]
    assert hometown.choices[1] == GiftChoice(
        "Bethlehem", False, 25.0, "He was born here, but not raised here."
    )


def test_per_answer_feedback(moodle):
    question = by_line(moodle[EXAMPLES], 98)
    assert [(c.text, c.is_correct, c.feedback) for c in question.choices] == [
        ("wrong answer", False, "feedback comment on the wrong answer"),
        ("another wrong answer", False, "feedback comment on this wrong answer"),
        ("right answer", True, "Very good!"),
    ]
    tomb = by_line(moodle[EXAMPLES], 184)
    assert tomb.name == "Grant's Tomb"
    assert [c.feedback for c in tomb.choices] == [
        "No one is buried there.",
        "Right answer!",
        "We hope not!",
    ]
    q2 = by_line(moodle[FIXTURE], 14)
    assert [(c.text, c.is_correct, c.feedback) for c in q2.choices] == [
        ("yellow", True, "right; good!"),
        ("red", False, "wrong, it's yellow"),
        ("blue", False, "wrong, it's yellow"),
    ]


def test_escaped_control_characters(moodle):
    equals = by_line(moodle[EXAMPLES], 143)  # ~ \= 2 + 2  = \= 2 + 3  ~ \= 2 + 4
    assert [c.text for c in equals.choices] == ["= 2 + 2", "= 2 + 3", "= 2 + 4"]
    assert correct(equals) == ["= 2 + 3"]

    control = by_line(moodle[EXAMPLES], 148)
    assert control.name == "GIFT Control Characters"
    # Markdown source: "#" and "\" are escaped so they show as typed, "=" alone is safe.
    assert [c.text for c in control.choices] == ["~", "=", "\\#", "{", "}", "\\\\"]
    assert correct(control) == ["\\\\"]
    assert control.choices[0].feedback == "~ is a control character."
    assert control.choices[5].feedback.startswith(
        "Correct! \\\\ (backslash) is not a control character. BUT,\nit is used"
    )


def test_markdown_prefix_keeps_markdown(moodle):
    question = by_line(moodle[EXAMPLES], 108)
    assert question.text_format == "markdown"
    assert question.text == "Who's buried in **Grant's tomb**?"
    assert question.answers == ["no one", "nobody"]


# --- escapes, names, comments, formats ---------------------------------------------------


def test_escapes_in_names_text_answers_and_feedback():
    question = one(
        "::Cost \\:: 50\\%::Is 2 \\= 2 \\{really\\}\\nor not?{=yes\\~sure#ok \\# good ~no}"
    )
    assert question.name == "Cost :: 50\\%"  # \% is no GIFT escape: the backslash stays
    assert question.text == "Is 2 = 2 {really}\nor not?"
    assert [c.text for c in question.choices] == ["yes~sure", "no"]
    assert question.choices[0].feedback == "ok # good"


def test_comments_category_blank_lines_and_crlf():
    text = (
        "$CATEGORY: $course$/top/Cell meetings\r\n"
        "\r\n"
        "// a comment before\r\n"
        "::A::How often?{\r\n"
        "   // a comment inside the answers\r\n"
        "   ~monthly\r\n"
        "   =quarterly\r\n"
        "}\r\n"
        "\r\n"
        "\r\n"
        "::B::Is this true?{TRUE}\r\n"
    )
    result = parse_gift(text)
    assert result.skipped == []
    assert [(q.line, q.name, q.type) for q in result.questions] == [
        (4, "A", "single"),
        (11, "B", "truefalse"),
    ]
    assert [c.text for c in result.questions[0].choices] == ["monthly", "quarterly"]


def test_url_in_text_is_not_a_comment():
    question = one("See http://example.org/a//b first.{T}")
    assert question.text == "See http://example.org/a//b first."


def test_plain_and_moodle_text_is_escaped_markdown():
    question = one("[plain]Is 2*3*4 = 24 and <b>bold</b> _x_?{T}")
    assert question.text_format == "plain"
    assert question.text == "Is 2\\*3\\*4 = 24 and &lt;b>bold&lt;/b> \\_x\\_?"
    default = one("# Not a heading, 1. not a list{F}")
    assert default.text_format == "moodle"
    assert default.text == "\\# Not a heading, 1. not a list"
    assert escape_markdown("1. first\n- second\n!!! note") == "1\\. first\n\\- second\n\\!!! note"


def test_formats_of_choices_and_feedback_default_to_the_question_format():
    question = one(
        "[markdown]Pick **one**{=*yes*#[plain]*really*  ~[plain]*no*#*why*####**Because**}"
    )
    assert [(c.text, c.feedback) for c in question.choices] == [
        ("*yes*", "\\*really\\*"),
        ("\\*no\\*", "*why*"),
    ]
    assert question.explanation == "**Because**"


def test_html_prefix_is_sanitised():
    question = one("[html]<p onclick=x>Hi<script>alert(1)</script></p>{T}")
    assert question.text_format == "html"
    assert "Hi" in question.text
    assert "script" not in question.text
    assert "onclick" not in question.text
    assert "alert" not in question.text


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
        '<svg onload="alert(1)">',
        '<p style="background:url(javascript:alert(1))">x</p>',
    ],
)
def test_html_in_every_part_is_sanitised(payload):
    # Inside the answers "=" must be written \= (as Moodle's export does); before the
    # braces the payload goes in as typed.
    escaped = payload.replace("=", "\\=")
    gift = (
        f"::N::[html]Q {payload}{{"
        f"=[html]right {escaped}#[html]fb {escaped} "
        f"~[html]wrong {escaped}#[html]fb {escaped} "
        f"####[html]why {escaped}}}"
    )
    question = one(gift)
    assert [c.text.split()[0] for c in question.choices] == ["right", "wrong"]
    assert question.explanation.startswith("why")
    parts = [question.text, question.explanation]
    parts += [c.text for c in question.choices] + [c.feedback for c in question.choices]
    for part in parts:
        lowered = part.lower()
        for bad in ("<script", "onerror", "onload", "javascript:", "<iframe", "<svg", "style="):
            assert bad not in lowered, part
    tf = one(f"[html]Q{{T#[html]{escaped}#[html]{escaped}}}")
    assert all("javascript:" not in c.feedback and "<script" not in c.feedback for c in tf.choices)


def test_html_short_answers_become_plain_text():
    question = one("Capital?{=[html]<b>Hà Nội</b> =[plain]Ha Noi}")
    assert question.answers == ["Hà Nội", "Ha Noi"]


def test_general_feedback_becomes_the_explanation():
    question = one("Sky is blue?{T####Rayleigh *scattering*.}")
    assert question.explanation == "Rayleigh \\*scattering\\*."
    choice = one("Pick{=a ~b ####Because a.}")
    assert choice.explanation == "Because a."
    assert [c.text for c in choice.choices] == ["a", "b"]


# --- not supported and malformed --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "words"),
    [
        ("::M::Pair them {=a -> b =c -> d}", "matching", "matching"),
        ("Year? {#1822:1}", "numerical", "numerical"),
        ("::E::Tell us. {}", "essay", "essay"),
        ("Just a description.", "description", "description"),
        ("Q?{~a =b", "malformed", "unclosed brace"),
        ("Q?{~a ~b ~c}", "malformed", "no correct answer"),
        ("Q?{=a =b ~c}", "malformed", "2 answers are fully correct"),
        ("Q?{~a =b} and {=c}", "malformed", "blank line missing"),
        ("Q?{~a {=b}", "malformed", "second '{'"),
        ("Q?} {~a =b}", "malformed", "'}' before"),
        ("Q? a}", "malformed", "'}' without"),
        ("::Open name Q?{T}", "malformed", "name is not closed"),
        ("Q?{~a = ~b}", "malformed", "answer 2 is empty"),
        ("Q?{~%abc%a =b}", "malformed", "not a number"),
        ("Q?{~%150%a =b}", "malformed", "not from -100 to 100"),
        ("Q?{yes ~a =b}", "malformed", "text before the first answer"),
        ("Q?{maybe}", "malformed", "no right (=) or wrong (~)"),
        ("Q?{=%50%half}", "malformed", "no accepted answer"),
        ("{T}", "malformed", "no text"),
        ("[html]<script>x</script>{T}", "malformed", "no text"),
        ("Q?{~%100%only}", "malformed", "two or more answers"),
    ],
)
def test_unsupported_and_malformed_are_skipped_with_a_reason(text, kind, words):
    skip = skipped(text)
    assert skip.kind == kind
    assert words in skip.reason
    assert skip.line == 1


def test_skipped_are_named_with_their_line():
    result = parse_gift(
        "::Ok::Fine?{T}\n\n"
        "// numerical follows\n"
        "::Year::Born? {#1822}\n\n"
        "A long unnamed matching question with far more than forty characters {=a -> b}\n"
    )
    assert [q.name for q in result.questions] == ["Ok"]
    assert [(s.line, s.name, s.kind) for s in result.skipped] == [
        (4, "Year", "numerical"),
        (6, "A long unnamed matching question with fa", "matching"),
    ]


def test_one_bad_question_does_not_stop_the_others():
    result = parse_gift("Q1?{~a ~b\n\nQ2?{T}\n\nQ3?{=x}")
    assert [q.line for q in result.questions] == [3, 5]
    assert [(s.line, s.kind) for s in result.skipped] == [(1, "malformed")]


def test_nothing_is_evaluated():
    result = parse_gift("Q?{#__import__('os').system('echo hi')}\n\nR?{=%__import__%x}")
    assert [s.kind for s in result.skipped] == ["numerical", "malformed"]


GIFTISH = st.lists(
    st.sampled_from(
        list("{}=~#%:\\[]->/\n TFabc1-.$<>") + ["::", "####", "[html]", "[plain]", "//", "\\n"]
    ),
    max_size=80,
).map("".join)


def check_result(result: GiftResult) -> None:
    assert isinstance(result, GiftResult)
    for question in result.questions:
        assert question.type in {"single", "multiple", "truefalse", "short"}
        assert question.text.strip()
        assert question.text_format in {"markdown", "html", "plain", "moodle"}
        right = sum(c.is_correct for c in question.choices)
        if question.type in ("single", "truefalse"):
            assert right == 1 and len(question.choices) >= 2
        if question.type == "multiple":
            assert right >= 1 and len(question.choices) >= 2
        if question.type == "short":
            assert question.answers and all(a.strip() for a in question.answers)
        if question.type == "truefalse":
            assert isinstance(question.truth, bool)
    for skip in result.skipped:
        assert skip.reason and "internal error" not in skip.reason


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(text):
    check_result(parse_gift(text))


@settings(max_examples=500, deadline=None)
@given(st.lists(GIFTISH, max_size=4).map("\n\n".join))
def test_gift_like_text_never_raises(text):
    check_result(parse_gift(text))


def test_blank_constant_is_what_missing_word_shows():
    assert BLANK == "_____"
    assert one("A {=b ~c} d.").text == f"A {BLANK} d."
