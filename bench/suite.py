"""The benchmarks themselves, run by bench/run.py in a subprocess per database (one Django set-up each).

    python bench/suite.py writes --out FILE [--quick] [--profile]
    python bench/suite.py ledger --entries N --only verify,proofs,pages,checkpoints --out FILE [--quick]
                                  [--final-verify]

Both expect ATMP_HOME (and ATMP_DATABASE_URL for PostgreSQL) to name a FRESH home / database,
which run.py creates and removes; they refuse to run without it. Each figure is measured next to
its baseline, interleaved with it where that is possible, so that both see the same machine load.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import backend, init_database, log, percentile, row, setup_django, summary_ms

ns = time.perf_counter_ns


# --- 1. audited writes against plain saves -----------------------------------------------------


def bench_writes(*, quick: bool, profile: bool) -> dict[str, Any]:
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    from atmp import testing
    from atmp.accounts import services
    from atmp.accounts.models import Site
    from atmp.ledger import clock, writer

    init_database()
    qa = testing.make_user("qa_approver", username="bench.qa", full_name="Bench QA")
    qa.roles()  # the service checks permissions on every call; the roles stay cached on the instance
    per_round, rounds = (150, 2) if quick else (500, 4)
    created: dict[str, list[Site]] = {"service": [], "ledger": [], "plain": []}
    serial = iter(range(1, 10**9))

    def code(mode: str) -> str:
        return f"B{mode[0].upper()}{next(serial):07d}"

    def create_service() -> None:
        created["service"].append(services.create_site(actor=qa, code=code("service"), name="Bench site"))

    def create_ledger() -> None:
        site = Site(code=code("ledger"), name="Bench site")
        with writer.change(actor=qa, reason=""):
            site.save()
        created["ledger"].append(site)

    def create_plain() -> None:
        # The same row the audited create writes (version 1, created_at, created_by), one transaction,
        # straight through Model.save: no ledger entry, no tree nodes, no head.
        site = Site(code=code("plain"), name="Bench site", version=1, created_at=clock.now(), created_by_id=qa.pk)
        with transaction.atomic():
            site._save_unaudited(force_insert=True)
        created["plain"].append(site)

    counters = {"service": 0, "ledger": 0, "plain": 0}

    def target(mode: str) -> Site:
        sites = created[mode]
        counters[mode] += 1
        return sites[counters[mode] % len(sites)]

    def update_service() -> None:
        site = target("service")
        name = f"Bench site v{site.version + 1}"
        services.update_site(actor=qa, site=site, reason="bench: correct the name", name=name)

    def update_ledger() -> None:
        site = target("ledger")
        with writer.change(actor=qa, reason="bench: correct the name"):
            site.name = f"Bench site v{site.version + 1}"
            site.save()

    def update_plain() -> None:
        site = target("plain")
        with transaction.atomic():
            site.name = f"Bench site v{site.version + 1}"
            site.version += 1
            site._save_unaudited(force_update=True)

    ops: dict[tuple[str, str], Callable[[], None]] = {
        ("create", "service"): create_service, ("create", "ledger"): create_ledger, ("create", "plain"): create_plain,
        ("update", "service"): update_service, ("update", "ledger"): update_ledger, ("update", "plain"): update_plain,
    }  # fmt: skip
    for fn in ops.values():  # warm up every path (imports, statement caches) before timing
        for _ in range(20):
            fn()
    spent = {key: 0 for key in ops}
    done = {key: 0 for key in ops}
    modes = ["service", "ledger", "plain"]
    for kind in ("create", "update"):
        for r in range(rounds):
            order = modes[r % 3 :] + modes[: r % 3]  # rotate, so no mode always runs first
            for mode in order:
                fn = ops[kind, mode]
                t0 = ns()
                for _ in range(per_round):
                    fn()
                spent[kind, mode] += ns() - t0
                done[kind, mode] += per_round
            log(f"writes: {kind} round {r + 1}/{rounds} done")
    rate = {key: done[key] / (spent[key] / 1e9) for key in ops}

    # Diagnostic: the same comparison with the commit's fsync switched off, which separates what
    # the ledger costs in code and written pages from what it costs in durable commits.
    from django.db import connection

    def durable(on: bool) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA synchronous={'FULL' if on else 'OFF'}")
            else:
                cursor.execute(f"SET synchronous_commit TO {'on' if on else 'off'}")

    durable(False)
    nosync = {key: 0 for key in ops}
    try:
        for kind in ("create", "update"):
            for _ in range(2):
                for mode in ("ledger", "plain"):
                    t0 = ns()
                    for _ in range(per_round):
                        ops[kind, mode]()
                    nosync[kind, mode] += ns() - t0
    finally:
        durable(True)
    log("writes: no-fsync diagnostic done")

    queries: dict[str, int] = {}

    for (kind, mode), fn in ops.items():
        with CaptureQueriesContext(connection) as captured:
            fn()
        queries[f"{kind}/{mode}"] = len(captured.captured_queries)

    rows = []
    for kind in ("create", "update"):
        plain = rate[kind, "plain"]
        for mode, label in (("ledger", "writer.change"), ("service", f"services.{kind}_site")):
            ratio = plain / rate[kind, mode]
            rows.append(row(
                "writes", f"{kind} Site through {label} (audited)", rate[kind, mode], "writes/s",
                baseline_name=f"plain ORM {kind} of the same row, own transaction", baseline=plain, ratio=ratio,
                target="ledger ≤ 2× a plain save", met=ratio <= 2.0,
                note=f"{queries[f'{kind}/{mode}']} SQL statements vs {queries[f'{kind}/plain']} plain",
            ))  # fmt: skip
    what = "PRAGMA synchronous=OFF" if connection.vendor == "sqlite" else "synchronous_commit=off"
    for kind in ("create", "update"):
        ledger_rate, plain_rate = (2 * per_round / (nosync[kind, m] / 1e9) for m in ("ledger", "plain"))
        rows.append(row(
            "writes", f"{kind} Site through writer.change, commit without fsync (diagnostic)", ledger_rate,
            "writes/s", baseline_name=f"plain ORM {kind}, commit without fsync", baseline=plain_rate,
            ratio=plain_rate / ledger_rate,
            note=f"{what} for this comparison only: the cost of the ledger's code and extra pages, without the "
                 "durable commit (never a setting to run atmp with)",
        ))  # fmt: skip
    detail = {"rate": {f"{k}/{m}": v for (k, m), v in rate.items()}, "queries": queries,
              "ops_per_mode": done["create", "plain"]}  # fmt: skip
    result: dict[str, Any] = {"rows": rows, "detail": detail}
    worst = max(r["ratio"] for r in rows if "writer.change" in r["name"])
    if profile or worst > 2.0:
        result["profile"] = _profile_writes(ops, n=200 if quick else 400)
    return result


def _profile_writes(ops: dict[tuple[str, str], Callable[[], None]], *, n: int) -> dict[str, str]:
    """Profile audited (writer.change) and plain creates and updates; return the pstats text of each."""
    out = {}
    for kind in ("create", "update"):
        for mode in ("ledger", "plain"):
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(n):
                ops[kind, mode]()
            prof.disable()
            buf = io.StringIO()
            stats = pstats.Stats(prof, stream=buf)
            stats.sort_stats("tottime").print_stats(22)
            stats.sort_stats("cumulative").print_stats(35)
            out[f"{kind}/{mode}"] = f"{n} operations\n" + buf.getvalue()
    log("writes: profiled")
    return out


# --- the 1M ledger -----------------------------------------------------------------------------


def bench_ledger(*, entries: int, only: set[str], quick: bool, final_verify: bool) -> dict[str, Any]:
    import ledger_gen

    log(f"generating a ledger of {entries:,} entries")
    built = ledger_gen.build(entries, log=log)
    result: dict[str, Any] = {"rows": [], "detail": {"generated": {k: v for k, v in built.items() if k != "generator"}}}
    # The generator is only valid if `atmp verify` passes on what it wrote; that run is also the
    # verify figure (the whole command, as an operator runs it).
    gate = verify_cli()
    result["detail"]["verify_cli"] = gate
    rng = random.Random(7)
    if "verify" in only:
        result["rows"] += bench_verify(gate)
    if "proofs" in only:
        result["rows"] += bench_proofs(rng, samples=300 if quick else 2000)
    if "pages" in only:
        result["rows"] += bench_pages(rng, samples=30 if quick else 100)
    if "checkpoints" in only:
        result["rows"] += bench_checkpoints(built["generator"], quick=quick)
        if final_verify:  # the ledger grew through the generator and sign_now(): check it again
            result["detail"]["verify_cli_final"] = verify_cli()
    return result


def verify_cli() -> dict[str, Any]:
    """Run `atmp verify --json` on the ledger as it stands; return its report's counts and wall time."""
    import importlib.util

    if importlib.util.find_spec("atmp.ledger.verify") is None:
        return {"pending": "atmp.ledger.verify does not exist yet"}
    atmp = Path(sys.executable).parent / "atmp"
    log("running `atmp verify --json`")
    t0 = time.perf_counter()
    done = subprocess.run([str(atmp), "verify", "--json"], capture_output=True, text=True, check=False, env=os.environ)
    seconds = time.perf_counter() - t0
    try:
        report = json.loads(done.stdout)
    except ValueError:
        return {"exit": done.returncode, "error": (done.stdout + done.stderr)[-2000:]}
    brief = {k: report.get(k) for k in ("ok", "entries", "records", "signatures", "checkpoints")}
    brief.update(exit=done.returncode, seconds=seconds, failures=report.get("failures", [])[:10])
    if done.returncode != 0 or not report.get("ok"):
        log(f"`atmp verify` FAILED on the generated ledger: {json.dumps(brief)[:2000]}")
    return brief


# --- 2. verify against bare SHA-256 ------------------------------------------------------------


def bench_verify(gate: dict[str, Any]) -> list[dict[str, Any]]:
    import hashlib

    from django.db import connection

    from atmp.ledger.canonical import entry_bytes

    # The baseline: the same canonical entry bytes, hashed with hashlib in a tight loop. The bytes
    # are built (untimed) chunk by chunk from a raw cursor; reading and splicing are timed apart.
    log("verify: baseline pass (read, splice, bare SHA-256)")
    t_read = t_splice = t_hash = 0
    count = 0
    sha256 = hashlib.sha256
    sql = (
        "SELECT seq, at, actor_id, actor_name, actor_roles, action, record_type, record_id, record_version, "
        "reason, changes, snapshot_hash, prev_hash FROM ledger_auditentry ORDER BY seq"
    )
    cursor = connection.chunked_cursor()
    t0 = ns()
    cursor.execute(sql)
    t_read += ns() - t0
    while True:
        t0 = ns()
        rows = cursor.fetchmany(5000)
        t_read += ns() - t0
        if not rows:
            break
        t0 = ns()
        bodies = [entry_bytes(*r) for r in rows]
        t_splice += ns() - t0
        t0 = ns()
        for body in bodies:
            sha256(body).digest()
        t_hash += ns() - t0
        count += len(bodies)
    cursor.close()
    bare_rate = count / (t_hash / 1e9)
    info = (f"baseline pass over the same {count:,} entries: read {t_read / 1e9:.1f} s, "
            f"entry_bytes {t_splice / 1e9:.1f} s, SHA-256 {t_hash / 1e9:.2f} s")  # fmt: skip
    sqlite = backend() == "sqlite"
    target = "≥ 100,000 entries/s" if sqlite else "(target set for SQLite)"
    baseline_name = "bare SHA-256 over the same canonical entry bytes"
    if "pending" in gate:
        return [row("verify", f"atmp verify, {count:,} entries", 0, "entries/s", baseline_name=baseline_name,
                    baseline=bare_rate, target=target, note=info, pending=True)]  # fmt: skip
    if "seconds" not in gate:
        raise RuntimeError(f"`atmp verify --json` did not report: {gate}")

    from atmp.ledger import keys, signatures
    from atmp.ledger.models import Signature

    # How much of verify is the signatures' Ed25519 counter-signature checks (one per signature).
    stored = list(Signature.objects.all())
    public_key = keys.public_key()
    t0 = ns()
    for sig in stored:
        signatures.counter_signature_holds(sig, public_key)
    t_sigs = (ns() - t0) / 1e9
    info += f"; the {len(stored):,} counter-signature checks alone {t_sigs:.1f} s"

    seconds, entries = gate["seconds"], gate["entries"]
    rate = entries / seconds
    ok = gate.get("ok") is True and gate.get("exit") == 0
    ok_note = "report ok" if ok else f"REPORT NOT OK: {gate.get('failures')}"
    from atmp.ledger import verify_parallel

    workers = verify_parallel.default_processes()
    one_seconds, one_ok = verify_one_process()
    one_rate = entries / one_seconds
    return [row(
        "verify", f"`atmp verify --json` (the whole command), {entries:,} entries", rate, "entries/s",
        baseline_name=baseline_name, baseline=bare_rate, ratio=bare_rate / rate, target=target,
        met=(rate >= 100_000 and ok) if sqlite else None,
        note=f"{seconds:.1f} s including the process start, {workers} worker processes; {ok_note}; "
             f"{gate['records']:,} records, {gate['signatures']:,} signatures, {gate['checkpoints']:,} checkpoints; "
             f"{info}",
    ), row(
        "verify", f"the same checks in one process (diagnostic: verify.run(processes=1)), {entries:,} entries",
        one_rate, "entries/s", baseline_name=baseline_name, baseline=bare_rate, ratio=bare_rate / one_rate,
        note=f"{one_seconds:.1f} s including the process start; {'report ok' if one_ok else 'REPORT NOT OK'}; "
             "what the worker processes save",
    )]  # fmt: skip


def verify_one_process() -> tuple[float, bool]:
    """Return the wall time of verify.run(processes=1) in a new process, and whether it passed."""
    log("running verify.run(processes=1)")
    code = (
        "import django; django.setup(); from atmp.ledger import verify; "
        "raise SystemExit(0 if verify.run(processes=1).ok else 1)"
    )
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, env=os.environ)
    return time.perf_counter() - t0, done.returncode == 0


# --- 3. inclusion and consistency proofs -------------------------------------------------------


def bench_proofs(rng: random.Random, *, samples: int) -> list[dict[str, Any]]:
    from django.db import connection

    from atmp.ledger import merkle, tree
    from atmp.ledger.models import AuditEntry

    size = tree.size()
    head_root = tree.root(size)
    sqlite = backend() == "sqlite"

    def bare_select(plan: set[tuple[int, int]]) -> tuple[str, list[int]]:
        keys = sorted(plan)
        where = " OR ".join(['(level = %s AND "index" = %s)'] * len(keys))
        return f'SELECT level, "index", hash FROM ledger_treenode WHERE {where}', [v for k in keys for v in k]

    out = []
    for kind in ("inclusion", "consistency"):
        log(f"proofs: {samples} {kind} proofs on {size:,} entries")
        proof_ns: list[int] = []
        bare_ns: list[int] = []
        node_counts = []
        checked = 0
        for i in range(samples + 20):
            if kind == "inclusion":
                seq = rng.randint(1, size)
                plan = tree._plan(lambda sub, seq=seq: merkle.inclusion_proof_from(sub, size, seq - 1))

                def call(seq: int = seq) -> list[bytes]:
                    return tree.inclusion_proof(seq, size)
            else:
                old = rng.randint(1, size - 1)
                plan = tree._plan(lambda sub, old=old: merkle.consistency_proof_from(sub, old, size))

                def call(old: int = old) -> list[bytes]:
                    return tree.consistency_proof(old, size)

            sql, params = bare_select(plan)
            with connection.cursor() as cursor:
                first_bare = i % 2 == 0  # alternate which goes first
                if first_bare:
                    t0 = ns()
                    cursor.execute(sql, params)
                    fetched = cursor.fetchall()
                    t_bare = ns() - t0
                t0 = ns()
                proof = call()
                t_proof = ns() - t0
                if not first_bare:
                    t0 = ns()
                    cursor.execute(sql, params)
                    fetched = cursor.fetchall()
                    t_bare = ns() - t0
            if len(fetched) != len(plan):
                raise AssertionError(f"bare SELECT found {len(fetched)} of {len(plan)} nodes")
            if i < 20:
                continue  # warm-up
            proof_ns.append(t_proof)
            bare_ns.append(t_bare)
            node_counts.append(len(plan))
            if checked < 50:  # the proofs must also be right (on the generated tree)
                checked += 1
                if kind == "inclusion":
                    leaf = bytes.fromhex(AuditEntry.objects.values_list("hash", flat=True).get(seq=seq))
                    good = merkle.verify_inclusion(index=seq - 1, size=size, leaf_hash=merkle.leaf_hash(leaf),
                                                   proof=proof, root=head_root)  # fmt: skip
                else:
                    good = merkle.verify_consistency(old_size=old, new_size=size, old_root=tree.root(old),
                                                     new_root=head_root, proof=proof)  # fmt: skip
                if not good:
                    raise AssertionError(f"{kind} proof does not verify")
        p, b = summary_ms(proof_ns), summary_ms(bare_ns)
        nodes = f"{min(node_counts)}–{max(node_counts)} stored nodes per proof"
        for pct in ("p50", "p95"):
            out.append(row(
                "proofs", f"{kind} proof tree.{kind}_proof(…, {size:,}) {pct}", p[pct], "ms",
                baseline_name=f"bare SELECT of the same stored nodes {pct}", baseline=b[pct], ratio=p[pct] / b[pct],
                target=("p95 < 1 ms" if sqlite else "(target set for SQLite)") if pct == "p95" else "",
                met=(p[pct] < 1.0) if pct == "p95" and sqlite else None,
                note=f"{p['n']} random {'seqs' if kind == 'inclusion' else 'old sizes'}; {nodes}; "
                     f"p99 {p['p99']:.3f} ms (bare {b['p99']:.3f}); first 50 verified against the root",
            ))  # fmt: skip
    return out


# --- 4. the cost of a checkpoint ------------------------------------------------------------------


def bench_checkpoints(gen: Any, *, quick: bool) -> list[dict[str, Any]]:
    import ledger_gen

    from atmp.ledger import checkpoints, tree

    plan = {1: 5, 1000: 5, 10_000: 3} if quick else {1: 7, 1000: 7, 10_000: 4, 100_000: 2}
    timings: dict[int, list[int]] = {k: [] for k in plan}
    checkpoints.sign_now()  # start right after a checkpoint
    for rep in range(max(plan.values())):
        for since, reps in plan.items():
            if rep >= reps:
                continue
            latest = checkpoints.latest()
            assert latest is not None
            # Grow the ledger so that `since` entries are not yet covered by a checkpoint (sign-ins,
            # written by the generator, with its automatic checkpoints off: the interval is a setting).
            target = latest.size + since
            if target > tree.size():
                ledger_gen._fast_loading(True)
                try:
                    gen.extend(target, mean_step_us=50, mix="events", auto_checkpoints=False)
                finally:
                    ledger_gen._fast_loading(False)
            assert tree.size() - latest.size == since, (tree.size(), latest.size, since)
            t0 = ns()
            cp = checkpoints.sign_now()
            timings[since].append(ns() - t0)
            assert cp.size == latest.size + since
        log(f"checkpoints: round {rep + 1} done (ledger at {tree.size():,})")
    base = percentile([t / 1e6 for t in timings[1]], 50)
    out = []
    for since, samples in timings.items():
        med = percentile([t / 1e6 for t in samples], 50)
        out.append(row(
            "checkpoints", f"checkpoints.sign_now(), {since:,} entries since the last (median)", med, "ms",
            baseline_name="sign_now() with 1 entry since the last (median)", baseline=base, ratio=med / base,
            target="flat: O(log n), independent of entries since", met=med / base < 2.0,
            note=f"{len(samples)} runs, min {min(samples) / 1e6:.2f} max {max(samples) / 1e6:.2f} ms; "
                 f"ledger {tree.size():,} entries",
        ))  # fmt: skip
    return out


# --- 5. the history page and the audit-trail review page -------------------------------------


def bench_pages(rng: random.Random, *, samples: int) -> list[dict[str, Any]]:
    import datetime as dt

    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import Resolver404, resolve

    from atmp import testing
    from atmp.accounts.models import RoleAssignment, Site, User
    from atmp.ledger import trail
    from atmp.ledger.models import AuditEntry, Signature
    from atmp.ledger.records import rfc3339

    viewer = testing.make_user("inspector", username="bench.inspector", full_name="Bench Inspector")
    client = Client()
    client.force_login(viewer)
    first_at = AuditEntry.objects.order_by("seq").values_list("at", flat=True).first()
    start = trail.parse_time(first_at, "at") if first_at else dt.datetime.now(dt.UTC)
    # Busy records: the 20 sites with the most versions, and random others.
    busy = list(Site._base_manager.order_by("-version").values_list("pk", "version")[:20])
    every = list(Site._base_manager.values_list("pk", "version"))
    # The people who write and sign the sites (QA and QP roles), as a reviewer would filter by them.
    writer_ids = RoleAssignment.objects.filter(role__in=["qa_approver", "qa_reviewer", "qualified_person"])
    writers = list(User.objects.filter(pk__in=writer_ids.values("user_id")).values_list("pk", "username"))
    versions = sorted(v for _, v in every)

    def page_exists(path: str) -> bool:
        try:
            resolve(path)
        except Resolver404:
            return False
        return True

    Case = tuple[str, Callable[[], Any], tuple[str, list[Any]]]  # url, selector call, raw SQL and params

    def sample_history(pool: list[tuple[int, int]]) -> Callable[[], Case]:
        def make() -> Case:
            pk, _ = rng.choice(pool)
            sql = ("SELECT * FROM ledger_auditentry WHERE record_type = %s AND record_id = %s "
                   "ORDER BY seq DESC LIMIT 51")  # fmt: skip
            return (f"/records/accounts.site/{pk}/", lambda: trail.history("accounts.site", str(pk)),
                    (sql, ["accounts.site", str(pk)]))  # fmt: skip

        return make

    def sample_audit(days: int) -> Callable[[], Case]:
        def make() -> Case:
            pk, username = rng.choice(writers)
            since = (start + dt.timedelta(days=rng.randint(0, max(0, 364 - days)))).replace(
                hour=0, minute=0, second=0, microsecond=0
            )
            until = since + dt.timedelta(days=days)
            f = trail.TrailFilter(actor_id=pk, since=since, until=until)
            sql = ("SELECT * FROM ledger_auditentry WHERE actor_id = %s AND at >= %s AND at < %s "
                   "ORDER BY seq DESC LIMIT 51")  # fmt: skip
            url = f"/audit/?user={username}&since={since:%Y-%m-%d}&until={until:%Y-%m-%d}"
            params = [pk, rfc3339(since), rfc3339(until)]
            return url, lambda: trail.trail(f), (sql, params)

        return make

    cases = [
        ("history page /records/<type>/<id>/ (any record)", "history selector trail.history()", sample_history(every)),
        ("history page /records/<type>/<id>/ (the 20 busiest records)", "history selector trail.history()",
         sample_history(busy)),
        ("audit-trail page /audit/?user=…&since=…&until=… (7 days)", "trail selector trail.trail()", sample_audit(7)),
        ("audit-trail page /audit/?user=…&since=…&until=… (365 days)", "trail selector trail.trail()",
         sample_audit(365)),
    ]  # fmt: skip
    out = []
    for page_name, selector_name, make in cases:
        n = samples if "365" not in page_name else max(10, samples // 4)  # each of those takes ~1 s at 1M
        log(f"pages: {n} × {page_name}")
        page_ns: list[int] = []
        sel_ns: list[int] = []
        raw_ns: list[int] = []
        sizes = []
        exists = page_exists(make()[0].split("?")[0])
        for i in range(n + 5):
            url, selector, (sql, params) = make()
            t0 = ns()
            result = selector()
            t_sel = ns() - t0
            with connection.cursor() as cursor:
                t0 = ns()
                cursor.execute(sql, params)
                cursor.fetchall()
                t_raw = ns() - t0
            t_page = 0
            if exists:
                t0 = ns()
                response = client.get(url)
                t_page = ns() - t0
                if response.status_code != 200:
                    raise AssertionError(f"GET {url}: {response.status_code}\n{response.content[:2000]!r}")
                if result.entries and f"{result.entries[0].seq}".encode() not in response.content:
                    raise AssertionError(f"GET {url}: the page does not show entry {result.entries[0].seq}")
                sizes.append(len(response.content))
            if i < 5:
                continue
            page_ns.append(t_page)
            sel_ns.append(t_sel)
            raw_ns.append(t_raw)
        s, r = summary_ms(sel_ns), summary_ms(raw_ns)
        if exists:
            p = summary_ms(page_ns)
            for pct in ("p50", "p95"):
                out.append(row(
                    "pages", f"{page_name} {pct}", p[pct], "ms",
                    baseline_name=f"{selector_name} {pct}", baseline=s[pct], ratio=p[pct] / s[pct],
                    target="p95 < 200 ms" if pct == "p95" else "", met=(p[pct] < 200) if pct == "p95" else None,
                    note=f"{p['n']} requests through django.test.Client (force_login, Inspector); "
                         f"p99 {p['p99']:.1f} ms; ~{sum(sizes) // max(1, len(sizes)) // 1024} KiB HTML",
                ))  # fmt: skip
        else:
            out.append(row("pages", f"{page_name} p95", 0, "ms", baseline_name=f"{selector_name} p95",
                           baseline=s["p95"], target="p95 < 200 ms", pending=True,
                           note="the page does not exist yet"))  # fmt: skip
        out.append(row(
            "pages", f"{selector_name} p95 [{page_name.split('(')[-1].rstrip(')')}]", s["p95"], "ms",
            baseline_name="raw SQL of the same query p95", baseline=r["p95"], ratio=s["p95"] / r["p95"],
            note=f"p50 {s['p50']:.2f} ms (raw {r['p50']:.2f} ms)",
        ))  # fmt: skip
    signed = Signature.objects.filter(record_type="accounts.site").values("record_id").annotate(n=Count("id"))
    most = max((r["n"] for r in signed), default=0)
    out[0]["note"] += (f"; sites have 1–{versions[-1]} versions (median {versions[len(versions) // 2]}), "
                       f"up to {most} signatures; the busiest 20 have ≥ {busy[-1][1]} versions")  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["writes", "ledger"])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--only", default="verify,proofs,pages,checkpoints")
    parser.add_argument("--final-verify", action="store_true", help="run `atmp verify` again after the checkpoints")
    args = parser.parse_args()
    setup_django()
    t0 = time.perf_counter()
    if args.what == "writes":
        result = bench_writes(quick=args.quick, profile=args.profile)
    else:
        result = bench_ledger(entries=args.entries, only=set(args.only.split(",")), quick=args.quick,
                              final_verify=args.final_verify)
    result["backend"] = backend()
    result["seconds"] = time.perf_counter() - t0
    for r in result["rows"]:
        r["backend"] = result["backend"]
    args.out.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
