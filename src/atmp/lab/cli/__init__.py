"""`atmp lab …`: the QC laboratory's commands (cli/<area>.py each)."""

from __future__ import annotations

import click


@click.group()
def lab() -> None:
    """QC laboratory and release (docs/lab.md).

    \b
    Evaluate a result: `atmp lab evaluate --criterion 98.0-102.0 --value 97.96 --json`
    (USP General Notices 7.20: rounded to the limit's decimals, then compared).
    Methods: `atmp lab method add|show|list|validate` (validation status per clinical phase, with its report).
    Specifications: `atmp lab spec new|show|list|approve` and `atmp lab spec attribute add`;
    QA approves (signed 'approved'); the version approved before for the product and phase is superseded.
    A product's clinical phase: `atmp lab phase move PRODUCT PHASE|show PRODUCT`
    (refused unless an approved specification exists for the new phase).
    Samples and results: `atmp lab sample add|receive|hand-over|show|list`,
    `atmp lab result add|import|correct|review|show|list`
    (against the batch's pinned specification; a failing result opens an OOS investigation);
    OOS: `atmp lab oos list|show|finding`, transitions with `atmp workflow do lab.oosinvestigation:ID …`.
    A batch's certificate of analysis: `atmp lab coa BATCH --out coa.pdf` (PDF/A-3b; pending results named).
    Potency assay runs: `atmp lab potency criteria|run add|evaluate|review|show|list|combine`.
    Stability studies (ICH Q1E): `atmp lab stability add|condition|attribute|approve|place|schedule|pull|miss|
    result|estimate|sign|show|list` (the shelf life frozen into the study when QA signs its report).
    The QP's disposition of a batch: `atmp lab disposition checks|certify|release-conditionally|reject|show BATCH`.

    Every change is made as --as USER, who gives their password (--password-file,
    $ATMP_PASSWORD, or asked).
    """


def _register() -> None:
    # One line per area: importing atmp.lab.cli.<area> registers its commands on the group.
    from atmp.lab.cli import coa, core, disposition, potency, results, stability, viral  # noqa: F401


_register()
