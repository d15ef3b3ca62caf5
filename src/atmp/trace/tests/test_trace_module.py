"""atmp.trace plugs in as a domain module: installed after quality, its CLI group, its API, its menu entry."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

from atmp import modules
from atmp.cli.main import main

PACKAGE = Path(__file__).resolve().parents[1]
# DESIGN.md: a module imports only the modules above it (ledger, accounts, files, printing,
# workflow, quality), the shared shell parts every module uses (api, cli.base/output, web pages,
# lists, modules) and itself.
ALLOWED = (
    "atmp.trace",
    "atmp.ledger",
    "atmp.accounts",
    "atmp.files",
    "atmp.printing",
    "atmp.workflow",
    "atmp.quality",
    "atmp.modules",
    "atmp.lists",
    "atmp.api",
    "atmp.cli.base",
    "atmp.cli.output",
    "atmp.web",
)


def test_trace_is_installed_after_quality():
    order = list(modules.DOMAIN_APPS)
    assert order.index("atmp.quality") < order.index("atmp.trace")
    declared = {m.label: m for m in modules.declared()}
    assert declared["trace"].cli == "atmp.trace.cli:trace"


def test_atmp_lists_the_trace_group_and_its_help_loads_no_database():
    result = CliRunner().invoke(main, ["--help"])
    assert "trace" in result.stdout
    result = CliRunner().invoke(main, ["trace", "--help"], env={"ATMP_HOME": "/nonexistent"})
    assert result.exit_code == 0 and "id" in result.stdout


def test_trace_imports_no_module_below_it():
    for path in PACKAGE.rglob("*.py"):
        if "tests" in path.relative_to(PACKAGE).parts:
            continue  # tests drive the whole program (atmp.cli.main, the URLconf)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name == "atmp" or name.startswith("atmp."):
                    # The factories make test and benchmark data with the kernel's (personas, sites);
                    # the demo's part signs with the kernel demo's password, as quality's does.
                    extra = {"factories.py": ("atmp.testing",), "demo.py": ("atmp.demo",)}.get(path.name, ())
                    allowed = (*ALLOWED, *extra)
                    assert name.startswith(allowed), f"{path.relative_to(PACKAGE)} imports {name}"
