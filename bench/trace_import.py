#!/usr/bin/env python
"""The bulk import (`atmp trace import`) with the ledger on, beside a bare insert of the same rows.

    .venv/bin/python bench/trace_import.py                          # SQLite and PostgreSQL, 100,000 rows
    .venv/bin/python bench/trace_import.py --backend sqlite --rows 1000000 --json out.json

On a fresh ATMP_HOME (SQLite) or a fresh PostgreSQL database, in a subprocess: a JSON Lines file
of N lines is generated in memory, shaped like a CAR-T migration (20 materials; per patient an
apheresis lot, an intermediate and a drug product, four uses, the patient and the administration;
a hub reagent lot and a hub vector lot every 2,000 patients, used by every batch until the next; 1%
of the patients with sealed personal data). Measured, in the same process:

* check: `import_lines(dry_run=True)`: every line checked, nothing written;
* import: `import_lines(...)`: the checks again, then every record written through
  `Change.create_many` with its own ledger entry, tree nodes and checkpoints, committed;
* baselines, the same rows (keys renamed) with no ledger, committed: Django's `bulk_create`, and
  the multi-row INSERT create_many itself uses (`atmp.ledger.batch`), the floor.

The issue's target: at least 20,000 rows/s on SQLite with the ledger on. Figures are reported,
never asserted; docs/performance.md keeps them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import log, run_backends

PATIENT_LINES = 9  # per patient: 3 lots, 4 uses, the patient, the administration
HUB_EVERY = 2000  # patients per hub reagent and vector lot


def generate(rows: int) -> bytes:
    """Return a JSON Lines import of about `rows` lines."""
    out = [
        {"kind": "material", "code": f"M-{kind}", "name": f"Material {kind}", "type": kind, "unit": unit}
        for kind, unit in (
            ("starting_material", "mL"), ("critical_reagent", "mL"), ("vector_seed", "mL"),
            ("intermediate", "10*6.{cells}"), ("drug_product", "{bag}"),
        )
    ]  # fmt: skip
    out += [
        {"kind": "material", "code": f"M-extra-{i}", "name": f"Consumable {i}", "type": "consumable", "unit": "1"}
        for i in range(15)
    ]
    day = "2026-10-01T08:00:00+00:00"
    patient = 0
    while len(out) < rows:
        if patient % HUB_EVERY == 0:
            hub = patient // HUB_EVERY
            for code, name in (("critical_reagent", f"HUB-R-{hub}"), ("vector_seed", f"HUB-V-{hub}")):
                out.append({"kind": "lot", "id": name, "material": f"M-{code}", "quantity": "100000",
                            "status": "released", "expiry": "2030-12-31"})  # fmt: skip
        hub = patient // HUB_EVERY
        p = f"PX-{patient:07d}"
        person: dict[str, Any] = {"kind": "patient", "coi": p}
        if patient % 100 == 0:
            person |= {"name": f"Bench Person {patient}", "birth_date": "1970-01-01", "hospital_number": f"H{patient}"}
        out += [
            person,
            {"kind": "lot", "id": f"APH-{patient}", "material": "M-starting_material", "quantity": "200",
             "donor": p, "status": "consumed"},
            {"kind": "lot", "id": f"INT-{patient}", "material": "M-intermediate", "quantity": "500",
             "status": "consumed"},
            {"kind": "lot", "id": f"DP-{patient}", "material": "M-drug_product", "quantity": "2",
             "status": "released", "expiry": "2027-06-30"},
            {"kind": "use", "input": f"APH-{patient}", "output": f"INT-{patient}", "quantity": "180", "unit": "mL",
             "at": day},
            {"kind": "use", "input": f"HUB-R-{hub}", "output": f"INT-{patient}", "quantity": "0.5", "unit": "mL",
             "at": day},
            {"kind": "use", "input": f"INT-{patient}", "output": f"DP-{patient}", "quantity": "400",
             "unit": "10*6.{cells}", "at": day},
            {"kind": "use", "input": f"HUB-V-{hub}", "output": f"DP-{patient}", "quantity": "2", "unit": "mL",
             "at": day},
            {"kind": "administration", "lot": f"DP-{patient}", "patient": p, "at": "2026-11-01T10:00:00+00:00"},
        ]  # fmt: skip
        patient += 1
    return "".join(json.dumps(line) + "\n" for line in out[:rows]).encode()


def worker(rows: int) -> dict[str, Any]:
    """Generate the file, then time the check, the import and the two baselines (in a fresh database)."""
    from common import backend, init_database, setup_django

    setup_django()
    init_database()
    from django.conf import settings

    from atmp.testing import PASSWORD, make_site, make_user
    from atmp.trace import sealed
    from atmp.trace.services.import_check import check_lines, read
    from atmp.trace.services.imports import import_lines

    sealed.create_keys()
    importer = make_user("qa_approver", "coi_coordinator", username="alex", password=PASSWORD)
    site = make_site(actor=importer, code="LEI")
    started = time.perf_counter()
    data = generate(rows)
    log(f"{backend()}: {rows} lines generated ({len(data) / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")

    started, cpu = time.perf_counter(), time.process_time()
    dry = import_lines(actor=importer, site=site, data=data, dry_run=True)
    check_s, check_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    plan = check_lines(*read(data))  # for the baselines, before the import takes the keys
    log(f"{backend()}: checked in {check_s:.1f} s")

    started, cpu = time.perf_counter(), time.process_time()
    summary = import_lines(actor=importer, site=site, data=data)
    import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    records = sum(summary.counts.values())
    log(f"{backend()}: imported {records} records ({summary.entries} entries) in {import_s:.1f} s")

    bulk_s, bulk_cpu_s = bare_insert(plan, site, raw=False)
    log(f"{backend()}: Django bulk_create of the same rows in {bulk_s:.1f} s")
    raw_s, raw_cpu_s = bare_insert(plan, site, raw=True)
    log(f"{backend()}: multi-row INSERT of the same rows in {raw_s:.1f} s")
    return {
        "backend": backend(),
        "lines": rows,
        "records": records,
        "counts": summary.counts,
        "entries": summary.entries,
        "checkpoint_interval": settings.ATMP_CHECKPOINT_INTERVAL,
        "check_s": check_s,
        "import_s": import_s,
        "bulk_create_s": bulk_s,
        "raw_insert_s": raw_s,
        "import_rows_per_s": records / import_s,
        "write_rows_per_s": records / max(import_s - check_s, 1e-9),
        "bulk_create_rows_per_s": records / bulk_s,
        "raw_insert_rows_per_s": records / raw_s,
        "dry_counts": dry.counts,
        # This process's CPU seconds: on a machine shared with other work, what the wall time
        # would be alone (SQLite runs in this process; PostgreSQL's server time is not in them).
        "check_cpu_s": check_cpu_s,
        "import_cpu_s": import_cpu_s,
        "bulk_create_cpu_s": bulk_cpu_s,
        "raw_insert_cpu_s": raw_cpu_s,
        "import_rows_per_cpu_s": records / import_cpu_s,
        "raw_insert_rows_per_cpu_s": records / raw_cpu_s,
    }


def bare_insert(plan: Any, site: Any, *, raw: bool) -> tuple[float, float]:
    """Insert the file's records with no ledger (keys renamed), committed; return the wall and CPU seconds."""
    from django.db import models, transaction

    from atmp.ledger import batch
    from atmp.ledger.records import GmpRecord
    from atmp.trace.models import Administration, Identity, Lot, Material, Person, Use

    prefix = "R" if raw else "B"

    def insert(model: type[GmpRecord], records: list[Any]) -> list[Any]:
        for start in range(0, len(records), 1000):
            chunk = records[start : start + 1000]
            if raw:
                batch._insert_rows(batch.Plan.of(model), chunk)
            else:
                models.QuerySet(model=model).bulk_create(chunk)
        return records

    started, cpu = time.perf_counter(), time.process_time()
    with transaction.atomic():
        materials = {
            m.code.removeprefix(prefix): m.pk
            for m in insert(Material, [batch.new_record(Material, {**m, "code": prefix + m["code"]})
                                       for m in plan.materials])
        }  # fmt: skip
        persons = {
            p.coi.removeprefix(prefix): p.pk
            for p in insert(Person, [batch.new_record(Person, {"coi": prefix + p["coi"], "kind": p["kind"],
                                                               "site_id": site.pk}) for p in plan.persons])
        }  # fmt: skip
        insert(Identity, [
            batch.new_record(Identity, {"person_id": persons[coi], "data_hash": "x", "ciphertext_sha256": "y",
                                        "ciphertext": b"z"})
            for coi, _data in plan.identities
        ])  # fmt: skip
        lots = {
            lot.number.removeprefix(prefix): lot.pk
            for lot in insert(Lot, [
                batch.new_record(Lot, {
                    "number": prefix + lot["number"], "material_id": materials[lot["material"]], "site_id": site.pk,
                    "status": lot["status"], "expiry_date": lot["expiry_date"], "quantity": lot["quantity"],
                    "unit": lot["unit"], "donor_id": persons.get(lot["donor"] or ""),
                    "received_at": lot["received_at"],
                })
                for lot in plan.lots
            ])
        }  # fmt: skip
        insert(Use, [
            batch.new_record(Use, {"input_id": lots[u["input"]], "output_id": lots[u["output"]],
                                   "quantity": u["quantity"], "unit": u["unit"], "at": u["at"]})
            for u in plan.uses
        ])  # fmt: skip
        insert(Administration, [
            batch.new_record(Administration, {"lot_id": lots[a["lot"]], "patient_id": persons[a["patient"]],
                                              "at": a["at"], "quantity": a["quantity"], "unit": a["unit"]})
            for a in plan.administrations
        ])  # fmt: skip
    return time.perf_counter() - started, time.process_time() - cpu


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as the Markdown table of docs/performance.md."""
    lines = [
        "| database | lines | records (entries) | import with the ledger | of which checks | write phase "
        "| bare bulk_create | bare multi-row INSERT | ratio to bulk_create / INSERT "
        "| per CPU second: import / INSERT |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['lines']:,} | {r['records']:,} ({r['entries']:,}) "
            f"| {r['import_s']:.1f} s, **{r['import_rows_per_s']:,.0f} rows/s** | {r['check_s']:.1f} s "
            f"| {r['write_rows_per_s']:,.0f} rows/s | {r['bulk_create_rows_per_s']:,.0f} rows/s "
            f"| {r['raw_insert_rows_per_s']:,.0f} rows/s "
            f"| {r['bulk_create_rows_per_s'] / r['import_rows_per_s']:.1f}× / "
            f"{r['raw_insert_rows_per_s'] / r['import_rows_per_s']:.1f}× "
            f"| {r['import_rows_per_cpu_s']:,.0f} / {r['raw_insert_rows_per_cpu_s']:,.0f} rows |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.rows)))
        return 0
    done, complete = run_backends(__file__, "trace_import", args.backend, ["--rows", str(args.rows)])
    sys.stdout.write(table(done) + "\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
