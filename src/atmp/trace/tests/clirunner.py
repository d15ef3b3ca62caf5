"""Run `atmp trace …` in-process as a persona with the test password."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD


def atmp(*args: str, password: str = PASSWORD) -> Any:
    """Invoke `atmp trace ARGS` and return the result."""
    return CliRunner().invoke(main, ["trace", *args], env={"ATMP_PASSWORD": password}, catch_exceptions=False)


def doc(result: Any) -> Any:
    """Return the JSON a successful command printed."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)
