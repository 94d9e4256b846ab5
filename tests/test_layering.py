"""The house's dependency rules, read from the import statements of the code itself.

- The domain package stays usable without the web service: nothing in it imports Flask.
- Inside the domain, dependencies point one way: question types are pure marking rules (they know
  errors, text and the marking rules, nothing else); drafts sit on the types; formats only parse
  and write (drafts, types, text; never models or services, which call them); models know no
  types, drafts, formats or services.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parent.parent / "question_bank"
WEB_PACKAGES = {"flask", "flask_login", "flask_wtf", "flask_babel", "wtforms", "examsvc"}

#: The bottom of the house: modules everything may import.
#: ``field_limits`` is the one home of every question field's limit, which types, drafts and
#: services all apply; it knows nothing of the domain but errors.
FOUNDATION = {"question_bank.errors", "question_bank.text", "question_bank.marking_rules", "question_bank.points",
              "question_bank.field_limits"}
#: For each layer (a module or a package), the question_bank modules and packages it may import.
ALLOWED: dict[str, set[str]] = {
    "question_bank.types": FOUNDATION | {"question_bank.types"},
    "question_bank.drafts": FOUNDATION | {"question_bank.types"},
    "question_bank.formats": FOUNDATION | {"question_bank.types", "question_bank.drafts", "question_bank.formats"},
    "question_bank.models": FOUNDATION | {"question_bank.db", "question_bank.models"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(DOMAIN.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package: str | None = None) -> set[str]:
    """Absolute names of the modules ``path`` imports (relative imports resolved against
    ``package``, by default the package the file lies in)."""
    if package is None:
        package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if base.startswith("question_bank"))
    return found


def _within(name: str, allowed: set[str]) -> bool:
    return any(name == a or name.startswith(a + ".") for a in allowed)


def _layer_files(layer: str) -> list[Path]:
    relative = Path(*layer.split(".")[1:])
    package = DOMAIN / relative
    return sorted(package.rglob("*.py")) if package.is_dir() else [package.with_suffix(".py")]


def test_question_bank_imports_nothing_of_the_web_layer():
    files = sorted(DOMAIN.rglob("*.py"))
    assert len(files) > 10
    offenders = {str(f.relative_to(DOMAIN)): sorted({n.split(".")[0] for n in _imports(f)} & WEB_PACKAGES)
                 for f in files}
    assert {f: mods for f, mods in offenders.items() if mods} == {}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_what_lies_below_it(layer):
    files = _layer_files(layer)
    assert files, f"no files for {layer}"
    offenders = {str(path.relative_to(DOMAIN)): _reaching(path, layer) for path in files}
    assert {path: names for path, names in offenders.items() if names} == {}


def _reaching(path: Path, layer: str, package: str | None = None) -> list[str]:
    """The question_bank modules ``path`` imports that ``layer`` may not."""
    return sorted(name for name in _imports(path, package)
                  if name.startswith("question_bank") and name != "question_bank"
                  and not _within(name, ALLOWED[layer]))


def test_the_layer_check_sees_an_import_that_reaches_up(tmp_path):
    # The checker itself must catch the faults this file guards against: the old template module
    # imported QuestionDraft from services.authoring, the old types imported models.papers.
    formats = tmp_path / "template.py"
    formats.write_text("from question_bank.services.authoring import QuestionDraft\n"
                       "from ..drafts import category_parts\n", encoding="utf-8")
    assert _reaching(formats, "question_bank.formats", "question_bank.formats") == [
        "question_bank.services.authoring", "question_bank.services.authoring.QuestionDraft"]
    types = tmp_path / "choice.py"
    types.write_text("from question_bank.models.papers import MultiChoiceRule\nfrom . import base\n",
                     encoding="utf-8")
    assert _reaching(types, "question_bank.types", "question_bank.types") == [
        "question_bank.models.papers", "question_bank.models.papers.MultiChoiceRule"]
