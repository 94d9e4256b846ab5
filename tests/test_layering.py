"""The domain package must stay usable without the web service: nothing in it imports Flask."""

from __future__ import annotations

import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parent.parent / "question_bank"
WEB_PACKAGES = {"flask", "flask_login", "flask_wtf", "flask_babel", "wtforms", "examsvc"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_question_bank_imports_nothing_of_the_web_layer():
    files = sorted(DOMAIN.rglob("*.py"))
    assert len(files) > 10
    offenders = {str(f.relative_to(DOMAIN)): sorted(_imported_roots(f) & WEB_PACKAGES) for f in files}
    assert {f: mods for f, mods in offenders.items() if mods} == {}
