"""Where a selection's time goes: its queries (text, count, ms), Redis and Python.

Run after bench/bench_outgoing.py has loaded its data. In this process, through the
whole Django stack (django.test.Client, the tenant's key), each kind of selection of
bench_outgoing is made RUNS times; for the last, every statement is listed with its
time, and the slowest few are run again under EXPLAIN (ANALYZE, BUFFERS). Then cProfile
of RUNS more says which functions the Python time is in.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/outbench_db \\
    REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/outgoing_queries.py
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("API_RATE_LIMIT", "100000000/min")

RUNS = int(os.environ.get("RUNS", "30"))
EXPLAIN = int(os.environ.get("EXPLAIN", "3"))
KIND = os.environ.get("KIND")  # one kind only


class Timed:
    """connection.execute_wrapper: each statement's SQL, parameters and ms."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple, float]] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append((sql, params, (time.perf_counter() - started) * 1000))


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench import bench_outgoing as bench

    loaded = bench.setup()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {loaded.tenant_key}", HTTP_HOST="localhost")

    def call(kind: str, n: int) -> dict:
        path, body = bench.requests_of(kind, n, None)
        response = client.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    kinds = [KIND] if KIND else list(bench.KINDS)
    for kind in kinds:
        for n in range(5):
            call(kind, n)
        totals, sql_ms, counts = [], [], []
        timed = Timed()
        for n in range(RUNS):
            timed.statements.clear()
            started = time.perf_counter()
            with connection.execute_wrapper(timed):
                answer = call(kind, n)
            totals.append((time.perf_counter() - started) * 1000)
            sql_ms.append(sum(ms for *_, ms in timed.statements))
            counts.append(len(timed.statements))
        print(
            f"\n=== {kind}: {answer['selectionReason']}, "
            f"{len(answer['eligibleNumbers'])} listed; per request (median of {RUNS}): "
            f"{statistics.median(totals):.1f} ms in all, {statistics.median(counts)} "
            f"statements taking {statistics.median(sql_ms):.1f} ms (round trips included), "
            f"the rest {statistics.median(totals) - statistics.median(sql_ms):.1f} ms "
            "(Python, Redis)"
        )
        for i, (sql, _params, ms) in enumerate(timed.statements):
            print(f"  [{i}] {ms:6.2f} ms  {sql[:300]}{'...' if len(sql) > 300 else ''}")
        slowest = sorted(timed.statements, key=lambda s: -s[2])[:EXPLAIN]
        for sql, params, ms in slowest:
            print(f"\n  EXPLAIN ANALYZE ({ms:.2f} ms in the run):\n  {sql}\n  params {params}")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                for (line,) in cursor.fetchall():
                    print(f"    {line}")
        profile = cProfile.Profile()
        profile.enable()
        for n in range(RUNS):
            call(kind, n)
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
        stats.print_stats(r"(outgoing|warmup|core|accounts|businesses|phonenumbers_app)/", 25)
        print(f"\n  cProfile of {RUNS} (cumulative, project functions):")
        print("\n".join("    " + line for line in out.getvalue().splitlines()[-32:]))
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(20)
        print(f"\n  cProfile of {RUNS} (own time, every function):")
        print("\n".join("    " + line for line in out.getvalue().splitlines()[-27:]))


if __name__ == "__main__":
    main()
