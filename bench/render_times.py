"""Time one render of each main page inside one process: CPU milliseconds and SQL statements.

    .venv/bin/python bench/render_times.py --db sqlite:///bench/.data/demo/portal.db \
        --instance bench/.data/demo --shop cibaduyut --customer customer@demo.test \
        --owner owner@demo.test --password demo12345

wrk's figures on a 2-core machine move by up to 2x between runs of the same page (wrk,
the servers and everything else share the cores). The CPU time one process spends on
one request is much steadier, so ``bench/run.py`` uses this to compare plugins off and
on, and small and large data, besides wrk. The page cache is off (every request is a
render); the per-process row caches (shop, user, switches) are warm, as they are in a
server between writes. The statement count is taken cold, as the query-budget tests do.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def measure(database_url: str, instance: str, shop: str, customer: str, owner: str, password: str,
            runs: int, only: list[str] | None = None) -> dict[str, dict]:
    from run import pages_of

    from portal import create_app
    from portal.testing import PortalClient, count_queries

    pages = pages_of(database_url, Path(instance), shop, customer)
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_DIR": instance, "PAGE_CACHE_SECONDS": 0,
                      "RATELIMIT_ENABLED": False})
    app.test_client_class = PortalClient
    clients = {"anon": app.test_client(), "customer": app.test_client(), "owner": app.test_client()}
    clients["customer"].login(customer, password)
    clients["owner"].login(owner, password)
    results = {}
    for name, (path, who) in pages.items():
        if only and name not in only:
            continue
        client = clients[who]
        with app.app_context(), count_queries() as queries:
            first = client.get(path)
        if first.status_code != 200:
            raise SystemExit(f"{name}: {path} answered {first.status_code}")
        for _ in range(5):  # templates compiled, connections open, row caches warm
            client.get(path)
        cpu, wall = [], []
        for _ in range(runs):
            c, w = time.process_time(), time.perf_counter()
            client.get(path)
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
        results[name] = {"cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall),
                         "queries": queries.count, "bytes": len(first.data)}
    return results


def measure_in_subprocess(database_url, instance, shop, customer, owner, password, runs=30, only=None) -> dict:
    """``measure`` in a fresh interpreter, so one data set's caches and imports never help another."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--db", database_url, "--instance", str(instance),
           "--shop", shop, "--customer", customer, "--owner", owner, "--password", password,
           "--runs", str(runs), "--json"]
    for name in only or []:
        cmd += ["--only", name]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"render_times failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def combined(rounds: list[dict]) -> dict:
    """Per page, the median over several rounds of each round's median (rounds of the things
    compared are taken in turn, so a machine getting slower or faster hits both alike)."""
    pages = rounds[0]
    return {name: {**pages[name], "cpu_ms": statistics.median(r[name]["cpu_ms"] for r in rounds),
                   "wall_ms": statistics.median(r[name]["wall_ms"] for r in rounds)} for name in pages}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--shop", required=True)
    parser.add_argument("--customer", required=True)
    parser.add_argument("--owner", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", action="append", help="measure only this page (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON line (for bench/run.py)")
    args = parser.parse_args(argv)
    results = measure(args.db, args.instance, args.shop, args.customer, args.owner, args.password, args.runs,
                      args.only)
    if args.json:
        print(json.dumps(results))
        return
    print(f"| page | CPU ms (median of {args.runs}) | wall ms | SQL statements (cold) | bytes |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, r in results.items():
        print(f"| {name} | {r['cpu_ms']:.1f} | {r['wall_ms']:.1f} | {r['queries']} | {r['bytes']:,} |")


if __name__ == "__main__":
    main()
