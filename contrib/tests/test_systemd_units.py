"""contrib/systemd: the timer starts the service, and the service runs a real `atmp tick`."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

SYSTEMD = Path(__file__).resolve().parents[1] / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read(SYSTEMD / name)
    return parser


def test_the_timer_runs_the_tick_service_every_few_minutes() -> None:
    timer = unit("atmp-tick.timer")
    assert timer["Timer"]["OnUnitActiveSec"] == "5min"
    assert timer.get("Timer", "Unit", fallback="atmp-tick.service") == "atmp-tick.service"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_the_service_runs_atmp_tick_once() -> None:
    service = unit("atmp-tick.service")["Service"]
    assert service["Type"] == "oneshot"
    argv = shlex.split(service["ExecStart"])
    assert Path(argv[0]).name == "atmp" and argv[1:] == ["tick"]
    from atmp.cli.main import main

    assert "tick" in main.commands
