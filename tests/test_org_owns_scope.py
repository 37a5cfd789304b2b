"""Does the area tree have one owner? Only org reads or writes the closure table."""

from __future__ import annotations

import ast
from pathlib import Path

import learnapp

PACKAGE = Path(learnapp.__file__).parent
# The table's definition and the migrations that create it; everything else asks org.
OWNERS = ("org", "models")


def closure_users(package: Path = PACKAGE) -> list[str]:
    """Files of the package, outside its owners, that name AreaClosure anywhere."""
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] in OWNERS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            named = (
                (isinstance(node, ast.Name) and node.id == "AreaClosure")
                or (isinstance(node, ast.Attribute) and node.attr == "AreaClosure")
                or (isinstance(node, ast.alias) and node.name.split(".")[-1] == "AreaClosure")
            )
            if named:
                found.append(f"{relative}:{node.lineno}")
    return found


def test_does_any_module_outside_org_query_the_closure_table():
    assert closure_users() == []


def test_would_the_check_see_a_closure_query_outside_org(tmp_path):
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "scope.py").write_text("from learnapp.models import AreaClosure\n")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "queries.py").write_text(
        "from learnapp import models\n\ndef under():\n    return models.AreaClosure.ancestor_id\n"
    )
    (tmp_path / "learn.py").write_text("from learnapp.models import AreaClosure as C\n")
    assert closure_users(tmp_path) == ["learn.py:1", "reports/queries.py:4"]


def test_does_security_keep_only_the_decorator_and_the_loaders():
    from learnapp import security

    public = {
        name
        for name, value in vars(security).items()
        if callable(value) and getattr(value, "__module__", "") == security.__name__
    }
    assert public == {"roles_required", "load_area", "load_person"}
