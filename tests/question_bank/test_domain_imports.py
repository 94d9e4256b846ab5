"""``question_bank`` is usable from a CLI or a batch job: any of its modules can be the first thing
a script imports, and none of them pulls in Flask. (Tester finding: a script starting with
``import question_bank.services.marking``, or ``results``, ``practice`` and nine others, died with
a circular ImportError that the web service never showed, since its app factory imports the
modules in another order.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import question_bank

#: Run in one fresh interpreter: import each module with nothing of question_bank loaded before it
#: but the models, which import no service (SQLAlchemy and the other libraries stay loaded too:
#: neither changes the order in which ours import one another; re-mapping the models each time
#: would only make this slower).
_EACH_FIRST = r"""
import importlib, sys, traceback
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if (m == "question_bank" or m.startswith("question_bank."))
                   and not m.startswith("question_bank.models")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc().strip().splitlines()[-1])
flask = sorted(m for m in sys.modules if m == "flask" or m.startswith("flask."))
print("\n".join(failed + ["flask loaded: " + ", ".join(flask)] if flask else failed))
"""


def domain_modules() -> list[str]:
    root = Path(question_bank.__file__).parent
    return sorted(".".join(("question_bank", *path.relative_to(root).with_suffix("").parts)).removesuffix(".__init__")
                  for path in root.rglob("*.py"))


def test_every_domain_module_can_be_imported_first_and_none_needs_flask():
    modules = domain_modules()
    assert "question_bank.services.marking" in modules and len(modules) > 50
    done = subprocess.run([sys.executable, "-c", _EACH_FIRST, *modules], capture_output=True, text=True, timeout=600,
                          cwd=Path(question_bank.__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
