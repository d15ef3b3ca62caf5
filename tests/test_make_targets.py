"""`make demo` installs what atmp needs to run; `make test` adds the test and lint tools."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def planned(target: str, venv: Path) -> list[str]:
    """Return the pip install lines `make -n TARGET` would run on a machine with no virtualenv yet."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return [line for line in done.stdout.splitlines() if re.search(r"pip install .*-e ", line)]


def test_make_demo_installs_the_runtime_dependencies_only(tmp_path):
    installs = planned("demo", tmp_path / "venv")
    assert installs, "make demo installs nothing"
    assert all(line.rstrip().endswith("-e .") for line in installs), installs


def test_make_test_adds_the_test_and_dev_extras(tmp_path):
    installs = planned("test", tmp_path / "venv")
    assert any("'.[test,dev]'" in line for line in installs), installs


def test_the_two_installs_keep_separate_stamps(tmp_path):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    demo = subprocess.run(["make", "-n", "demo", f"VENV={venv}"], cwd=ROOT, capture_output=True, text=True, check=True)
    stamp = re.search(r"touch (\S+installed-runtime-\S+)", demo.stdout)
    assert stamp, demo.stdout
    Path(stamp.group(1)).touch()  # as if `make demo` had run: `make test` must still add the extras
    installs = planned("test", venv)
    assert installs == [line for line in installs if "[test,dev]" in line] and installs, installs
