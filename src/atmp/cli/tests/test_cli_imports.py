"""Module CLIs take their shared helpers from atmp.cli.base: nothing in atmp imports atmp.cli.main."""

from __future__ import annotations

import ast
from pathlib import Path

import atmp

SOURCE = Path(atmp.__file__).parent


def _imports(path: Path) -> set[str]:
    """Return every module a file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _library_files() -> list[Path]:
    return [p for p in SOURCE.rglob("*.py") if "tests" not in p.relative_to(SOURCE).parts]


def test_no_module_cli_imports_the_atmp_command():
    module_clis = sorted(SOURCE.glob("*/cli.py"))
    assert {p.parent.name for p in module_clis} >= {"accounts", "ledger", "stats"}
    offenders = [str(p.relative_to(SOURCE)) for p in module_clis if "atmp.cli.main" in _imports(p)]
    assert offenders == [], "import handled, setup_django, … from atmp.cli.base, not atmp.cli.main"


def test_nothing_in_atmp_imports_the_atmp_command_but_itself():
    main = SOURCE / "cli" / "main.py"
    offenders = [str(p.relative_to(SOURCE)) for p in _library_files() if p != main and "atmp.cli.main" in _imports(p)]
    assert offenders == []


def test_the_cli_base_imports_no_command_group():
    # The base is below every module's cli.py: importing one of them back would be the old circle.
    groups = ("atmp.cli.main", "atmp.cli.commands")
    imported = _imports(SOURCE / "cli" / "base.py")
    module_clis = [n for n in imported if n.endswith(".cli") or (".cli." in n and not n.startswith("atmp.cli."))]
    assert module_clis == [] and [n for n in imported if n.startswith(groups)] == []
