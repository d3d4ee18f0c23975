"""Bulk import throughput on PostgreSQL, against the physical limit and the usual tool.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/bench_import.py [--rows 1000000] [--iie-rows 100000]

In one run, each on a fresh database created for it:
1. our `manage.py import_phone_numbers` of N valid rows (rows/s; peak RSS of its largest
   process, and peak PSS of all its processes together), and of the
   same rows plus a 1% sprinkle of invalid ones (second file, with --errors);
2. a raw `COPY` of the same rows into an empty copy of the phone-number table with the
   same indexes (what PostgreSQL alone can do);
3. django-import-export in its fastest documented mode (use_bulk, skip_diff,
   force_init_instance, batches of 1000) importing the first M of the same rows; it
   writes the phone-number rows only (no 10DLC, billing or events), so it does less.
Needs django-import-export (`pip install django-import-export==4.4.3`), bench only.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
WORK = Path(os.environ.get("BENCH_DIR", "/tmp/bench-import"))
AREAS = ["201", "212", "213", "305", "312", "404", "415", "512", "617", "646", "702", "718"]


def write_files(rows: int) -> tuple[Path, Path]:
    """N valid rows, and the same with every 100th row broken in some way."""
    WORK.mkdir(parents=True, exist_ok=True)
    valid, mixed = WORK / f"valid-{rows}.csv", WORK / f"mixed-{rows}.csv"
    if valid.exists() and mixed.exists():
        return valid, mixed
    header = ["number", "name", "inventoryState", "status", "enabled", "provider",
              "warmupHealthScore", "warmupProgressPercent", "tenDlcCampaignStatus"]  # fmt: skip
    breakers = [
        ("number", "not a number"),
        ("inventoryState", "Lost"),
        ("enabled", "maybe"),
        ("name", "x" * 300),
        ("warmupHealthScore", "101"),
    ]
    with valid.open("w", newline="") as v, mixed.open("w", newline="") as m:
        vw, mw = csv.writer(v), csv.writer(m)
        vw.writerow(header)
        mw.writerow(header)
        for i in range(rows):
            area = AREAS[i % len(AREAS)]
            exchange, line = 200 + (i // len(AREAS)) // 10_000, (i // len(AREAS)) % 10_000
            row = [f"+1{area}{exchange:03d}{line:04d}", f"Line {i}",
                   "Available", "Active", "true", "telnyx", str(i % 101), str(i % 97),
                   "Approved" if i % 3 else "Pending"]  # fmt: skip
            vw.writerow(row)
            if i % 100 == 99:
                column, bad = breakers[(i // 100) % len(breakers)]
                row = list(row)
                row[header.index(column)] = bad
            mw.writerow(row)
    return valid, mixed


def psql(database: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-qAt", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def fresh_database(name: str) -> str:
    psql("postgres", f"DROP DATABASE IF EXISTS {name}")
    psql("postgres", f"CREATE DATABASE {name}")
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": url},
    )
    return url


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def timed(command: list[str], url: str) -> tuple[float, float, float, str]:
    """(seconds, peak RSS of the largest process in MB, peak PSS of all its processes
    together in MB, output) of a command run under /usr/bin/time -v.

    PSS counts the pages a forked worker shares with its parent once, so the sum is
    the memory the import as a whole holds; it is sampled every 0.2 s.
    """
    started = time.perf_counter()
    process = subprocess.Popen(
        ["/usr/bin/time", "-v", *command],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
    )
    peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss
        while not done.wait(0.2):
            total = sum(_pss_kb(pid) for pid in _descendants(process.pid)[1:])
            peak_pss = max(peak_pss, total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    return (
        seconds,
        int(peak.group(1)) / 1024 if peak else float("nan"),
        peak_pss / 1024,
        stdout + stderr,
    )


def report(
    label: str, seconds: float, rows: int, peak: float | None = None, pss: float | None = None
) -> float:
    memory = f"{peak:>8.0f}" if peak is not None else f"{'-':>8}"
    together = f"{pss:>9.0f}" if pss is not None else f"{'-':>9}"
    print(f"{label:<52} {seconds:>8.1f} {rows / seconds:>9,.0f} {memory} {together}")
    return rows / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--iie-rows", type=int, default=100_000)
    args = parser.parse_args()
    valid, mixed = write_files(args.rows)
    print(f"rows: {args.rows:,}; cores: {os.cpu_count()}")
    print(f"{'run':<52} {'seconds':>8} {'rows/s':>9} {'peak MB':>8} {'all PSS':>9}")

    url = fresh_database("bench_import")
    seconds, peak, pss, out = timed([PYTHON, "manage.py", "import_phone_numbers", str(valid)], url)
    ours = report("our import, valid file", seconds, args.rows, peak, pss)
    tail = [line for line in out.splitlines() if line.startswith(("Created", "Imported"))]

    # The physical limit: the same rows, COPY'd into an empty twin of the table.
    dump = WORK / "table.copy"
    psql("bench_import", f"\\copy phonenumbers_app_phonenumber TO '{dump}'")
    psql("bench_import", "CREATE TABLE twin (LIKE phonenumbers_app_phonenumber INCLUDING ALL)")
    started = time.perf_counter()
    psql("bench_import", f"\\copy twin FROM '{dump}'")
    seconds = time.perf_counter() - started
    raw_copy = report("raw COPY into an empty twin table (same indexes)", seconds, args.rows)

    url = fresh_database("bench_import")
    errors = WORK / "errors.csv"
    seconds, peak, pss, _ = timed(
        [PYTHON, "manage.py", "import_phone_numbers", str(mixed), "--errors", str(errors)], url
    )
    invalid = max(sum(1 for _ in errors.open()) - 1, 0) if errors.exists() else 0
    report(f"our import, 1% invalid rows ({invalid} reported)", seconds, args.rows, peak, pss)

    url = fresh_database("bench_import")
    head = WORK / f"valid-{args.iie_rows}.csv"
    with valid.open() as source, head.open("w") as target:
        for index, line in enumerate(source):
            if index > args.iie_rows:
                break
            target.write(line)
    seconds, peak, pss, _ = timed([PYTHON, "bench/import_export_run.py", str(head)], url)
    iie = report(
        f"django-import-export, {args.iie_rows:,} rows (numbers only)",
        seconds,
        args.iie_rows,
        peak,
        pss,
    )
    psql("postgres", "DROP DATABASE IF EXISTS bench_import")
    print(
        f"\nour import: {raw_copy / ours:.1f}x the raw COPY's time (target: at most 5x), "
        f"{ours / iie:.1f}x django-import-export's rows/s (target: at least 10x)"
    )
    print("\nour import's own summary (valid file):", *tail, sep="\n  ")


if __name__ == "__main__":
    main()
