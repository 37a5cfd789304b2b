"""Who may import whom: the quiz engine grades and knows nothing of learn, which owns
progress and certificates (learn installs its handler into the quiz pages)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "learnapp"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, relative imports made absolute."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((node.lineno, base))
            # "from learnapp import learn" names the package in the alias, not the module.
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def offences(folder: Path, forbidden: str) -> list[str]:
    return [
        f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module}"
        for path in sorted(folder.rglob("*.py"))
        for line, module in imported_modules(path)
        if module == forbidden or module.startswith(forbidden + ".")
    ]


def test_does_no_quiz_module_import_learn():
    assert offences(PACKAGE / "quiz", "learnapp.learn") == []


@pytest.mark.parametrize(
    "source",
    [
        "from learnapp.learn import services\n",
        "import learnapp.learn.progress\n",
        "from learnapp import learn\n",
        "from ..learn import services\n",
        "def f():\n    from learnapp.learn.services import check_completion\n",
    ],
)
def test_would_the_check_catch_each_way_of_importing_learn(tmp_path, monkeypatch, source):
    fake = tmp_path / "learnapp"
    (fake / "quiz").mkdir(parents=True)
    (fake / "quiz" / "views.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", fake)
    assert offences(fake / "quiz", "learnapp.learn") != []


def test_does_no_learn_module_import_the_reports():
    # Reports read what learn computes (facts, roll-ups); the reverse would make a cycle
    # and put progress rules where learn cannot own them.
    assert offences(PACKAGE / "learn", "learnapp.reports") == []


def test_would_the_check_catch_learn_importing_the_reports(tmp_path, monkeypatch):
    fake = tmp_path / "learnapp"
    (fake / "learn").mkdir(parents=True)
    (fake / "learn" / "facts.py").write_text(
        "def f():\n    from learnapp.reports.queries import learner_facts\n", encoding="utf-8"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["PACKAGE"]), "PACKAGE", fake)
    assert offences(fake / "learn", "learnapp.reports") == [
        "learnapp/learn/facts.py:2: imports learnapp.reports.queries",
        "learnapp/learn/facts.py:2: imports learnapp.reports.queries.learner_facts",
    ]
