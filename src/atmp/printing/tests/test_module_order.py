"""atmp.printing imports only the modules above it (DESIGN.md): ledger, accounts, files; never the shell."""

import ast
from pathlib import Path

from atmp import modules

PACKAGE = Path(__file__).resolve().parents[1]
ALLOWED = ("atmp.printing", "atmp.ledger", "atmp.accounts", "atmp.files", "atmp.modules")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_printing_imports_no_module_below_it_nor_the_web_shell():
    for path in PACKAGE.glob("*.py"):
        for name in _imports(path):
            if name == "atmp" or name.startswith("atmp."):
                assert name.startswith(ALLOWED), f"{path.name} imports {name}"


def test_printing_comes_after_files_and_before_workflow_in_the_module_order():
    order = list(modules.DOMAIN_APPS)
    assert "atmp.printing" in order
    for above in ("atmp.files",):
        if above in order:
            assert order.index(above) < order.index("atmp.printing")
    for below in ("atmp.workflow", "atmp.quality"):
        if below in order:
            assert order.index("atmp.printing") < order.index(below)
