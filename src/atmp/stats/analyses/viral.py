"""`lrv`: viral clearance of a spiking study, read from a CSV of process steps."""

from __future__ import annotations

from typing import Any

from atmp.stats import plotting, viral
from atmp.stats.catalogue import Analysis, Outcome
from atmp.stats.errors import StatsInputError
from atmp.stats.table import Table

COLUMNS = (
    "step",
    "mechanism",
    "load_log10_titre",
    "load_volume_ml",
    "output_log10_titre",
    "output_volume_ml",
    "output_detected",
)
DETECTED = {"yes": True, "no": False}


def read_steps(table: Table) -> list[viral.Step]:
    """Return the steps of a CSV with the columns COLUMNS, in file order."""
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise StatsInputError("file", f"lacks the column(s) {', '.join(missing)}; lrv needs {', '.join(COLUMNS)}")
    numbers = {c: table.numbers(c, option=c) for c in COLUMNS[2:6]}
    detected = []
    for i, cell in enumerate(table.labels("output_detected", option="output_detected")):
        if cell.lower() not in DETECTED:
            raise StatsInputError(
                "output_detected",
                f"line {table.lines[i]}: {cell!r} must be yes (virus detected) "
                "or no (none detected: the titre given is the detection limit)",
            )
        detected.append(DETECTED[cell.lower()])
    steps = table.labels("step", option="step")
    mechanisms = table.labels("mechanism", option="mechanism")
    return [
        viral.Step(
            step=steps[i],
            mechanism=mechanisms[i],
            load_log10_titre=float(numbers["load_log10_titre"][i]),
            load_volume_ml=float(numbers["load_volume_ml"][i]),
            output_log10_titre=float(numbers["output_log10_titre"][i]),
            output_volume_ml=float(numbers["output_volume_ml"][i]),
            output_detected=detected[i],
        )
        for i in range(len(table))
    ]


def compute(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Compute the step LRVs and the claim."""
    assert table is not None  # the catalogue requires the file
    result = viral.clearance(read_steps(table))
    document = {
        "steps": [
            {
                "step": s.step,
                "mechanism": s.mechanism,
                "lrv": s.lrv,
                "greater_equal": s.greater_equal,
                "counted": s.counted,
                "reason": s.reason,
            }
            for s in result.steps
        ],
        "claim": result.claim,
        "claim_greater_equal": result.claim_greater_equal,
    }
    return Outcome(
        document=document,
        method="ICH Q5A(R2) log reduction values",
        variant="counted: LRV > 1, one step per mechanism",
        n=len(result.steps),
        draw=lambda: draw(result),
    )


def draw(result: viral.Clearance) -> str:
    """Return a bar chart of the step LRVs: counted steps filled, the rest hatched, ≥ marked."""
    with plotting.figure(height=1.2 + 0.45 * len(result.steps)) as fig:
        ax = fig.add_subplot()
        labels = [f"{s.step} ({s.mechanism})" for s in result.steps]
        for i, s in enumerate(result.steps):
            ax.barh(
                i,
                s.lrv,
                color=plotting.colour(0) if s.counted else "white",
                edgecolor=plotting.colour(0),
                hatch=None if s.counted else "//",
            )
            ax.text(s.lrv, i, f" {'≥ ' if s.greater_equal else ''}{s.lrv:.2f}", va="center")
        ax.axvline(viral.MINIMUM_COUNTED_LRV, color=plotting.LIMIT, linestyle="--", linewidth=1)
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.set_xlabel("log10 reduction value (filled: counted toward the claim)")
        claim = f"{'≥ ' if result.claim_greater_equal else ''}{result.claim:.2f}"
        ax.set_title(f"Viral clearance: claim {claim} log10")
        return plotting.svg(fig)


ANALYSES = (
    Analysis(
        name="lrv",
        title="Viral clearance (ICH Q5A(R2))",
        summary="Log reduction value of each process step and the overall clearance claim.",
        source="ICH Q5A(R2) (2023) §6 and Annex 3",
        params=(),
        compute=compute,
        plots=True,
        example="lrv.csv",
    ),
)
